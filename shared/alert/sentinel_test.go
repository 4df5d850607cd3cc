package alert

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Sentinel samples, shortened.
const (
	snTrigger  = "automation-incident-trigger-mde-eicar"
	snAlerts   = "incident-alerts-api-securityalert-entity"
	snIncident = "incident-api-object-xdr-exfiltration"
)

func TestParseSentinelWrongFieldTypes(t *testing.T) {
	const op = "object.properties."
	const rel = op + "relatedEntities[0]."
	const file = op + "relatedEntities[1].properties."
	const al = "value[0].properties."
	tests := []fieldCase{
		{snTrigger, "objectSchemaType", 1, ""},
		{snTrigger, "object", "x", ""},
		{snTrigger, "object.name", 1, ""},
		{snTrigger, "object.type", 1, ""},
		{snTrigger, "object.properties", "x", ""},
		{snTrigger, op + "title", 1, ""},
		{snTrigger, op + "description", 1, ""},
		{snTrigger, op + "severity", 3, ""},
		{snTrigger, op + "createdTimeUtc", 1, ""},
		{snTrigger, op + "lastModifiedTimeUtc", 1, ""},
		{snTrigger, op + "providerName", 1, ""},
		{snTrigger, op + "additionalData", "x", ""},
		{snTrigger, op + "additionalData.alertProductNames", "MDE", ""},
		{snTrigger, op + "additionalData.tactics[0]", 1, ""},
		{snTrigger, op + "alerts", "x", ""},
		{snTrigger, op + "alerts[0].properties.resourceIdentifiers", "x", ""},
		{snTrigger, op + "alerts[0].properties.resourceIdentifiers[0].type", 1, ""},
		{snTrigger, op + "relatedEntities", "x", ""},
		{snTrigger, rel + "id", 1, ""},
		{snTrigger, rel + "kind", 1, ""},
		{snTrigger, rel + "properties", "x", ""},
		{snTrigger, rel + "properties.hostName", 1, ""},
		{snTrigger, rel + "properties.dnsDomain", 1, ""},
		{snTrigger, rel + "properties.osFamily", 1, ""},
		{snTrigger, rel + "properties.additionalData.MdatpDeviceId", 1, ""},
		{snTrigger, rel + "properties.additionalData.DeviceDnsName", 1, ""},
		{snTrigger, file + "directory", 1, ""},
		{snTrigger, file + "fileName", 1, ""},
		{snTrigger, file + "fileHashEntityIds", "x", ""},
		{snTrigger, op + "relatedEntities[2].properties.hashValue", 1, ""},
		{snIncident, "name", 1, ""},
		{snAlerts, al + "systemAlertId", 1, "value.properties.systemAlertId"},
		{snAlerts, al + "alertDisplayName", 1, "value.properties.alertDisplayName"},
		{snAlerts, al + "description", 1, "value.properties.description"},
		{snAlerts, al + "severity", 1, "value.properties.severity"},
		{snAlerts, al + "timeGenerated", 1, "value.properties.timeGenerated"},
		{snAlerts, al + "productName", 1, "value.properties.productName"},
		{snAlerts, al + "alertType", 1, "value.properties.alertType"},
		{snAlerts, al + "resourceIdentifiers[0].resourceId", 1,
			"value.properties.resourceIdentifiers.resourceId"},
		{snAlerts, "value[0].kind", 1, "value.kind"},
	}
	runFieldCases(t, "sentinel", tests)
}

func TestParseSentinelMissingOrInvalidFields(t *testing.T) {
	const op = "object.properties."
	tests := []fieldCase{
		{snTrigger, "objectSchemaType", "Alert", ""},
		{snTrigger, "object", nil, ""},
		{snTrigger, "object.properties", nil, ""},
		{snTrigger, "object.type", "Microsoft.SecurityInsights/Bookmarks", ""},
		{snTrigger, op + "title", "", ""},
		{snTrigger, op + "severity", "Sev1", ""},
		{snTrigger, op + "severity", nil, ""},
		{snTrigger, op + "lastModifiedTimeUtc", "4/9/2024 4:02 AM", ""},
		{snIncident, "properties.title", nil, ""},
		{snAlerts, "value[0].kind", "Host", "value.kind"},
		{snAlerts, "value[0].properties.timeGenerated", nil,
			"value.properties.timeGenerated"},
	}
	runFieldCases(t, "sentinel", tests)

	// an incident needs a name, else an id to take it from
	doc := decodeSample(t, "sentinel", snIncident).(map[string]any)
	delete(doc, "name")
	delete(doc, "id")
	body, _ := json.Marshal(doc)
	_, err := Parse(body, "")
	checkFieldError(t, err, "sentinel", "name")
}

func TestParseSentinelIncidentNameFromID(t *testing.T) {
	doc := decodeSample(t, "sentinel", snIncident).(map[string]any)
	delete(doc, "name")
	body, _ := json.Marshal(doc)
	alerts, err := Parse(body, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := alerts[0].SourceAlertID; got != "40f912cd-66ad-4d3a-84db-7deff9765e12" {
		t.Errorf("SourceAlertID: got %q, want the id's last element", got)
	}
}

// securityAlertRow is a row of the SecurityAlert table as a Logic App's
// query action returns it, its entities in Log Analytics' JSON string.
const securityAlertRowJSON = `{
	"TimeGenerated": "2024-09-04T04:02:12.0013337Z",
	"DisplayName": "Suspicious process", "AlertName": "Suspicious process executed",
	"AlertSeverity": "Medium", "Description": "d", "ProviderName": "MDATP",
	"ProductName": "Microsoft Defender Advanced Threat Protection",
	"AlertType": "WindowsDefenderAtp", "SystemAlertId": "2f5c8d1e",
	"CompromisedEntity": "host-01", "Type": "SecurityAlert",
	"Entities": %s
}`

func TestParseSecurityAlertRowResolvesRefs(t *testing.T) {
	entities := `[
		{"$id": "2", "HostName": "host-01", "DnsDomain": "corp.example",
			"MdatpDeviceId": "73e7e2de", "Type": "host"},
		{"$id": "3", "Name": "ADoe", "NTDomain": "CORP", "UPNSuffix": "Example.com",
			"Sid": "S-1-5-21-1", "Host": {"$ref": "2"}, "Type": "account"},
		{"$id": "4", "ProcessId": "4780", "CommandLine": "x.exe /s",
			"CreationTimeUtc": "2024-09-04T03:58:41.5Z",
			"ImageFile": {"$id": "5", "Directory": "C:\\Temp", "Name": "x.exe",
				"FileHashes": [
					{"$id": "6", "Algorithm": "SHA1",
						"Value": "3395856ce81f2b7382dee72602f798b642f14140", "Type": "filehash"},
					{"$id": "7", "Algorithm": "SHA256",
						"Value": "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
						"Type": "filehash"}],
				"Type": "file"},
			"Account": {"$ref": "3"}, "Host": {"$ref": "2"}, "Type": "process"},
		{"$ref": "5"},
		{"$id": "8", "Address": "203.0.113.9", "Type": "ip"},
		{"$id": "9", "Url": "HTTP://Evil.Example/p", "Type": "url"},
		{"$id": "10", "DomainName": "Evil.Example", "Type": "dns"},
		{"$id": "11", "MailboxPrimaryAddress": "ADoe@Example.com", "Upn": "ADoe@Example.com",
			"DisplayName": "Alex Doe", "Type": "mailbox"},
		{"$id": "12", "NetworkMessageId": "53331b28", "Recipient": "adoe@example.com",
			"P1Sender": "bounce@evil.example", "P2Sender": "ceo@evil.example",
			"SenderIP": "198.51.100.25", "Urls": ["https://evil.example/p"],
			"Type": "mail-message"},
		{"$id": "13", "Type": "azure-resource", "ResourceId":
			"/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/st"},
		{"$id": "14", "AppId": 11161, "Name": "Office 365", "Type": "cloud-application"},
		{"$id": "15", "MalwareName": "EICAR_Test_File", "Type": "malware"},
		{"$id": "16", "RegistryKey": "Run", "Type": "registry-key"}
	]`
	sha := "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	want := []string{
		"host:73e7e2de",
		"user:adoe@example.com",
		"process:73e7e2de:4780:2024-09-04T03:58:41.5Z",
		"file:" + sha,
		"ip:203.0.113.9",
		"url:http://evil.example/p",
		"domain:evil.example",
		"mailbox:adoe@example.com",
		"email_message:53331b28",
		"mailbox:ceo@evil.example",
		"mailbox:bounce@evil.example",
		"ip:198.51.100.25",
		"url:https://evil.example/p",
		"cloud_resource:/subscriptions/s/resourceGroups/r/providers/" +
			"Microsoft.Storage/storageAccounts/st",
		"cloud_resource:cloudapp:11161",
	}

	// as Log Analytics stores it, in a string, and as an array
	quoted, _ := json.Marshal(entities)
	for _, col := range []string{string(quoted), entities} {
		body := []byte(strings.Replace(securityAlertRowJSON, "%s", col, 1))
		if got, err := Detect(body); got != "sentinel" {
			t.Fatalf("Detect: got %q, %v; want sentinel", got, err)
		}
		alerts, err := Parse(body, "")
		if err != nil {
			t.Fatal(err)
		}
		a := alerts[0]
		got := refs(a.Entities)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("entities (-want +got):\n%s", diff)
		}

		// the file's hashes and path, the process's image and the threat
		f := a.Entities[3]
		if f.Attributes["sha1"] != "3395856ce81f2b7382dee72602f798b642f14140" ||
			f.Attributes["path"] != `C:\Temp\x.exe` {
			t.Errorf("file: got %v, want its SHA-1 and path kept", f.Attributes)
		}
		if p := a.Entities[2]; p.Name != "x.exe" || p.Attributes["host"] != "73e7e2de" {
			t.Errorf("process: got %+v, want x.exe on 73e7e2de", p)
		}
		if diff := cmp.Diff([]string{"EICAR_Test_File"}, a.ThreatNames); diff != "" {
			t.Errorf("ThreatNames (-want +got):\n%s", diff)
		}
		if a.Title != "Suspicious process executed" || a.SeverityID != SeverityMedium ||
			a.SourceAlertID != "2f5c8d1e" || a.Category != "WindowsDefenderAtp" {
			t.Errorf("got %+v, want the row's name, severity, id and type", a)
		}
	}
}

func TestParseSecurityAlertRowBadFields(t *testing.T) {
	row := func(entities string) []byte {
		return []byte(strings.Replace(securityAlertRowJSON, "%s", entities, 1))
	}
	tests := []struct {
		body  []byte
		field string
	}{
		{row(`5`), "Entities"},
		{row(`"not json"`), "Entities"},
		{row(`"{\"Type\": \"host\"}"`), "Entities"},
		// the decoder names a field as the REST API spells it
		{row(`[{"Type": "ip", "Address": 5}]`), "Entities.address"},
		{row(`[{"Type": "file", "FileHashes": "x"}]`), "Entities.FileHashes"},
		{row(`[{"Type": "process", "ProcessId": {}}]`), "Entities.processId"},
		{[]byte(`{"SystemAlertId": 1, "AlertName": "a"}`), "SystemAlertId"},
		{[]byte(`{"SystemAlertId": "1", "AlertName": 2}`), "AlertName"},
		{[]byte(`{"SystemAlertId": "1", "AlertName": "a", "AlertSeverity": "x"}`),
			"AlertSeverity"},
		{[]byte(`{"SystemAlertId": "1", "AlertName": "a", "AlertSeverity": "Low"}`),
			"TimeGenerated"},
		{[]byte(`{"SystemAlertId": "", "AlertName": "a"}`), "SystemAlertId"},
		{[]byte(`{"SystemAlertId": "1", "AlertName": "", "DisplayName": ""}`),
			"AlertName"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.body, "")
		checkFieldError(t, err, "sentinel", tt.field)
	}

	// an empty column, or none, is no entity
	for _, col := range []string{`""`, `null`, `[]`} {
		alerts, err := Parse(row(col), "")
		if err != nil || len(alerts[0].Entities) != 0 {
			t.Errorf("Entities %s: got %v, %v; want no entities", col, alerts, err)
		}
	}
}

func TestParseSecurityAlertRowDeepEntitiesStop(t *testing.T) {
	// the column's own nesting is bounded by the parser, not the payload's
	deep := strings.Repeat(`{"a":`, 5000) + `{"Type": "ip", "Address": "192.0.2.1"}` +
		strings.Repeat(`}`, 5000)
	col, _ := json.Marshal("[" + deep + "]")
	alerts, err := Parse([]byte(strings.Replace(securityAlertRowJSON, "%s",
		string(col), 1)), "")
	if err != nil || len(alerts[0].Entities) != 0 {
		t.Errorf("got %v, %v; want the deep entity ignored", alerts, err)
	}
}

func TestParseSentinelRelatedEntityKinds(t *testing.T) {
	body := []byte(`{"objectSchemaType": "Incident", "object": {"name": "n1",
		"type": "Microsoft.SecurityInsights/incidents", "properties": {
		"title": "t", "severity": "High", "createdTimeUtc": "2024-09-04T04:02:20Z",
		"providerName": "Azure Sentinel",
		"relatedEntities": [
			{"id": "h", "kind": "Host", "properties": {"hostName": "web-01",
				"azureID": "/subscriptions/s/providers/Microsoft.Compute/virtualMachines/web-01"}},
			{"id": "a", "kind": "Account", "properties": {"accountName": "svc",
				"ntDomain": "CORP", "aadUserId": "E-1"}},
			{"id": "p", "kind": "Process", "properties": {"processId": "12",
				"commandLine": "sh", "hostEntityId": "h", "imageFileEntityId": "f"}},
			{"id": "f", "kind": "File", "properties": {"fileName": "sh"}},
			{"id": "m", "kind": "MailMessage", "properties": {
				"networkMessageId": "nm-1", "recipient": "A@Example.com"}},
			{"id": "d", "kind": "DnsResolution", "properties": {"domainName": "x.example"}}
		]}}}`)
	alerts, err := Parse(body, "")
	if err != nil {
		t.Fatal(err)
	}
	a := alerts[0]
	got := refs(a.Entities)
	want := []string{
		"host:/subscriptions/s/providers/Microsoft.Compute/virtualMachines/web-01",
		"user:e-1",
		"process:sh",
		"email_message:nm-1",
		"mailbox:a@example.com",
		"domain:x.example",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	if a.Product != "Azure Sentinel" || a.Time.Format("15:04:05") != "04:02:20" {
		t.Errorf("got product %q, time %v; want the provider and creation time",
			a.Product, a.Time)
	}
}
