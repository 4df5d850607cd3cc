package alert

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	esHit   = "eql-multiple-logon-failure-search-hit"
	esQuery = "query-rule-sysmon-exec-from-windows-tasks"
)

func TestParseElasticWrongFieldTypes(t *testing.T) {
	const ed = "winlog.event_data."
	tests := []fieldCase{
		{esHit, "_id", 1, ""},
		{esHit, "_source/kibana.alert.uuid", 1, ""},
		{esHit, "_source/kibana.alert.rule.name", []string{"x"}, ""},
		{esHit, "_source/kibana.alert.reason", 1, ""},
		{esHit, "_source/kibana.alert.severity", 2, ""},
		{esHit, "_source/kibana.alert.rule.description", 1, ""},
		{esHit, "_source/kibana.alert.rule.severity", 1, ""},
		{esHit, "_source/kibana.alert.rule.threat", "x", ""},
		{esHit, "_source/@timestamp", 1741686062979, ""},
		{esHit, "_source/host", "host-04", ""},
		{esHit, "_source/user", "alex.doe", ""},
		{esHit, "_source/source", "x", ""},
		{esHit, "_source/process", "x", ""},
		{esHit, "_source/winlog", "x", ""},
		{esQuery, "kibana.alert.uuid", 1, ""},
		{esQuery, "kibana.alert.rule.name", 1, ""},
		{esQuery, "host.name", 1, ""},
		{esQuery, "host.id", 1, ""},
		{esQuery, "host.hostname", 1, ""},
		{esQuery, "host.ip", 1, ""},
		{esQuery, "host.ip", []any{"192.0.2.1", 2}, ""},
		{esQuery, "host.mac", map[string]any{}, ""},
		{esQuery, "host.os", "Windows", ""},
		{esQuery, "user.name", 1, ""},
		{esQuery, "user.domain", 1, ""},
		{esQuery, "user.id", 1, ""},
		{esQuery, "user.email", 1, ""},
		{esQuery, "cloud.instance.id", 1, ""},
		{esQuery, "source.ip", 1, ""},
		{esQuery, "destination.ip", 1, ""},
		{esQuery, "destination.domain", 1, ""},
		{esQuery, "process.entity_id", 1, ""},
		{esQuery, "process.pid", "6048", ""},
		{esQuery, "process.name", 1, ""},
		{esQuery, "process.executable", 1, ""},
		{esQuery, "process.command_line", 1, ""},
		{esQuery, "process.hash.sha256", 1, ""},
		{esQuery, "process.parent.entity_id", 1, ""},
		{esQuery, "process.parent.pid", 1.5, ""},
		{esQuery, "process.parent.name", 1, ""},
		{esQuery, "process.parent.executable", 1, ""},
		{esQuery, "process.parent.command_line", 1, ""},
		{esQuery, "file.path", 1, ""},
		{esQuery, "file.name", 1, ""},
		{esQuery, "file.hash.sha1", 1, ""},
		{esQuery, "file.hash.md5", 1, ""},
		{esQuery, "url.full", 1, ""},
		{esQuery, "url.domain", 1, ""},
		{esQuery, "dns.question.name", 1, ""},
		{esQuery, ed + "User", 1, ""},
		{esQuery, ed + "ProcessGuid", 1, ""},
		{esQuery, ed + "ProcessId", 6048, ""},
		{esQuery, ed + "Image", 1, ""},
		{esQuery, ed + "CommandLine", 1, ""},
		{esQuery, ed + "Hashes", 1, ""},
		{esQuery, ed + "ParentProcessGuid", 1, ""},
		{esQuery, ed + "ParentProcessId", 1, ""},
		{esQuery, ed + "ParentImage", 1, ""},
		{esQuery, ed + "ParentCommandLine", 1, ""},
		{esQuery, ed + "TargetUserName", 1, ""},
		{esQuery, ed + "TargetDomainName", 1, ""},
	}
	runForcedFieldCases(t, "elastic", tests)
}

func TestParseElasticMissingOrInvalidFields(t *testing.T) {
	tests := []fieldCase{
		{esQuery, "kibana.alert.uuid", nil, ""},
		{esQuery, "kibana.alert.rule.name", "", ""},
		{esQuery, "@timestamp", nil, ""},
		{esQuery, "@timestamp", "23/03/2025", ""},
		{esHit, "_source/@timestamp", "now", ""},
	}
	runForcedFieldCases(t, "elastic", tests)

	// without an alert severity the rule's is read; without both, neither
	doc := decodeSample(t, "elastic", esQuery)
	setPathOrKey(t, doc, "kibana.alert.severity", nil)
	setPathOrKey(t, doc, "kibana.alert.rule.severity", nil)
	checkFieldError(t, parseDoc(t, doc), "elastic", "kibana.alert.severity")
}

func TestParseElasticHitUsesIDWhenUUIDMissing(t *testing.T) {
	doc := decodeSample(t, "elastic", esHit)
	setPathOrKey(t, doc, "_source/kibana.alert.uuid", nil)
	body, _ := jsonMarshalString(doc)
	a := parseOne(t, body)
	want := "20eb03f1c5462bd8c7b4571925f98e24315c8ebe78929301ebee0cce0f6593c2"
	if a.SourceAlertID != want {
		t.Errorf("got id %q, want the hit's _id %q", a.SourceAlertID, want)
	}
}

func TestParseElasticNestedAndDottedFormsAgree(t *testing.T) {
	dotted := `{"kibana.alert.uuid": "u1", "kibana.alert.rule.name": "r",
		"kibana.alert.severity": "critical", "@timestamp": "2025-03-11T09:41:02Z",
		"host.name": "web-01", "source.ip": "198.51.100.1",
		"process.name": "nc", "process.hash.sha256": "` + eicarSHA256 + `",
		"process.executable": "/usr/bin/nc"}`
	nested := `{"kibana": {"alert": {"uuid": "u1", "rule": {"name": "r"},
		"severity": "critical"}}, "@timestamp": "2025-03-11T09:41:02Z",
		"host": {"name": "web-01"}, "source": {"ip": "198.51.100.1"},
		"process": {"name": "nc", "executable": "/usr/bin/nc",
			"hash": {"sha256": "` + eicarSHA256 + `"}}}`
	a, b := parseOne(t, dotted), parseOne(t, nested)
	a.Raw, b.Raw = nil, nil
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("dotted vs nested (-dotted +nested):\n%s", diff)
	}
	want := []string{"host:web-01", "ip:198.51.100.1", "process:nc",
		"file:" + eicarSHA256}
	if diff := cmp.Diff(want, refs(a.Entities)); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	if a.SeverityID != SeverityCritical {
		t.Errorf("severity: got %v, want Critical", a.SeverityID)
	}
}

func TestExpandDotsPrefersNestedObject(t *testing.T) {
	got, err := expandDots([]byte(`{"a.b": 1, "a": {"b": 2, "c": 3}, "a.d.e": 4,
		"x": 5, "x.y": 6}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":{"b":2,"c":3,"d":{"e":4}},"x":5}`
	if string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestSysmonHashesLeavesImportHashOut(t *testing.T) {
	got := sysmonHashes("MD5=AA,SHA1=BB, SHA256=CC,IMPHASH=DD")
	want := esHashes{SHA256: "CC", SHA1: "BB", MD5: "AA"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
