package intel

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/alert"
)

// stixBundle returns a bundle of the objects, each a JSON object's body.
func stixBundle(objects ...string) string {
	return `{"type":"bundle","id":"bundle--1","objects":[{` +
		strings.Join(objects, "},{") + `}]}`
}

// stixIndicator returns the body of an indicator with the pattern and more
// properties.
func stixIndicator(id, pattern string, more ...string) string {
	props := []string{`"type":"indicator"`, `"spec_version":"2.1"`, `"id":"` + id + `"`,
		`"pattern":` + jsonString(pattern), `"pattern_type":"stix"`,
		`"valid_from":"2026-01-01T00:00:00Z"`}
	return strings.Join(append(props, more...), ",")
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

func TestReadSTIX(t *testing.T) {
	until := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	mal := `"indicator_types":["malicious-activity"]`
	tests := []struct {
		name   string
		bundle string
		want   []Entry
	}{
		{"threat from the indicates relationship",
			stixBundle(
				stixIndicator("indicator--1", "[domain-name:value = 'Evil.Example']", mal,
					`"name":"evil domain"`, `"description":"C2 domain"`),
				`"type":"malware","id":"malware--1","name":"CobaltStrike"`,
				`"type":"intrusion-set","id":"intrusion-set--1","name":"APT-X"`,
				`"type":"relationship","id":"relationship--1","relationship_type":"indicates",`+
					`"source_ref":"indicator--1","target_ref":"malware--1"`,
				`"type":"relationship","id":"relationship--2","relationship_type":"indicates",`+
					`"source_ref":"indicator--1","target_ref":"intrusion-set--1"`,
				`"type":"relationship","id":"relationship--3","relationship_type":"uses",`+
					`"source_ref":"indicator--1","target_ref":"malware--1"`),
			[]Entry{{Type: alert.EntityDomain, Value: "evil.example", Verdict: "malicious",
				Threat: "CobaltStrike, APT-X", Description: "C2 domain", Source: "b"}}},
		{"threat from the name, revoked threat passed over",
			stixBundle(
				stixIndicator("indicator--1", "[ipv4-addr:value = '192.0.2.1']", mal,
					`"name":"scanner"`),
				`"type":"campaign","id":"campaign--1","name":"Old","revoked":true`,
				`"type":"relationship","id":"relationship--1","relationship_type":"indicates",`+
					`"source_ref":"indicator--1","target_ref":"campaign--1"`),
			[]Entry{{Type: alert.EntityIP, Value: "192.0.2.1", Verdict: "malicious",
				Threat: "scanner", Source: "b"}}},
		{"every entity of an OR and AND pattern, with valid_until",
			stixBundle(stixIndicator("indicator--1",
				"[file:hashes.'SHA-256' = '"+strings.ToUpper(eicarSHA256)+"' AND "+
					"file:name = 'eicar.com'] OR [url:value = 'HXXPS://X[.]Example/a'] OR "+
					"[ipv6-addr:value = '2001:DB8::1/128'] OR [email-addr:value = 'A@B.example'] "+
					"OR [user-account:user_id = 'Alex@Example.com'] OR "+
					"[ipv4-addr:value = '10.0.0.0/8']",
				`"indicator_types":["compromised"]`, `"valid_until":"2027-01-01T00:00:00Z"`)),
			[]Entry{
				{Type: alert.EntityFile, Value: eicarSHA256, Verdict: "malicious",
					Source: "b", ValidUntil: until},
				{Type: alert.EntityIP, Value: "2001:db8::1", Verdict: "malicious",
					Source: "b", ValidUntil: until},
				{Type: alert.EntityMailbox, Value: "a@b.example", Verdict: "malicious",
					Source: "b", ValidUntil: until},
				{Type: alert.EntityURL, Value: "https://x.example/a", Verdict: "malicious",
					Source: "b", ValidUntil: until},
				{Type: alert.EntityUser, Value: "alex@example.com", Verdict: "malicious",
					Source: "b", ValidUntil: until},
			}},
		{"verdicts by indicator type",
			stixBundle(
				stixIndicator("indicator--1", "[domain-name:value = 'a.example']",
					`"indicator_types":["anomalous-activity"]`),
				stixIndicator("indicator--2", "[domain-name:value = 'b.example']"),
				stixIndicator("indicator--3", "[domain-name:value = 'c.example']",
					`"indicator_types":["unknown","attribution"]`),
				stixIndicator("indicator--4", "[domain-name:value = 'd.example']",
					`"indicator_types":["benign"]`),
				`"type":"indicator","id":"indicator--5","labels":["malicious-activity"],`+
					`"pattern":"[domain-name:value = 'e.example']"`),
			[]Entry{
				{Type: alert.EntityDomain, Value: "a.example", Verdict: "suspicious", Source: "b"},
				{Type: alert.EntityDomain, Value: "b.example", Verdict: "suspicious", Source: "b"},
				{Type: alert.EntityDomain, Value: "c.example", Verdict: "malicious", Source: "b"},
				{Type: alert.EntityDomain, Value: "e.example", Verdict: "malicious", Source: "b"},
			}},
		{"revoked and other pattern types passed over",
			stixBundle(
				stixIndicator("indicator--1", "[domain-name:value = 'a.example']", mal,
					`"revoked":true`),
				`"type":"indicator","id":"indicator--2","pattern_type":"sigma",`+
					`"pattern":"title: x"`,
				`"type":"x-custom","id":"x-custom--1","name":{"not":"a string"}`,
				`"type":"identity","id":"identity--1","name":"Firebreak"`),
			nil},
	}
	for _, tt := range tests {
		l, err := ReadSTIX(strings.NewReader(tt.bundle), "b")
		if err != nil {
			t.Errorf("%s: got error %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, l.sortedEntries()); diff != "" {
			t.Errorf("%s: entries (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestReadSTIXErrorsNameTheIndicator(t *testing.T) {
	tests := []struct {
		name, bundle, want string
	}{
		{"not json", "{", "read STIX bundle b: decode bundle: unexpected EOF"},
		{"not a bundle", `{"type":"indicator"}`,
			`read STIX bundle b: type is "indicator", not bundle`},
		{"unbalanced bracket",
			stixBundle(stixIndicator("indicator--9", "[domain-name:value = 'a'")),
			"read STIX bundle b: indicator indicator--9: pattern: " +
				`pattern ends where "]" should be (unbalanced?)`},
		{"unclosed quote",
			stixBundle(stixIndicator("indicator--9", "[domain-name:value = 'a]")),
			"read STIX bundle b: indicator indicator--9: pattern: " +
				"at offset 21: quote ' is not closed"},
		{"no pattern", stixBundle(`"type":"indicator","id":"indicator--9"`),
			"read STIX bundle b: indicator indicator--9: no pattern"},
		{"bad valid_until",
			stixBundle(stixIndicator("indicator--9", "[domain-name:value = 'a']",
				`"valid_until":"soon"`)),
			"read STIX bundle b: indicator indicator--9: " +
				`valid_until "soon" is not an RFC 3339 time`},
		{"indicator of wrong shape", stixBundle(`"type":"indicator","id":"i","pattern":1`),
			"read STIX bundle b: decode indicator i: " +
				"json: cannot unmarshal number into Go struct field " +
				"stixObject.pattern of type string"},
	}
	for _, tt := range tests {
		_, err := ReadSTIX(strings.NewReader(tt.bundle), "b")
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: got error %v, want %q", tt.name, err, tt.want)
		}
	}
}
