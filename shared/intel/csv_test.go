package intel

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/alert"
)

// sortedEntries returns every entry of a list, sorted by ref; those of
// one ref stay in the order added.
func (l *List) sortedEntries() []Entry {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var all []Entry
	for _, ens := range l.entries {
		all = append(all, ens...)
	}
	slices.SortStableFunc(all, func(a, b Entry) int { return strings.Compare(a.Ref(), b.Ref()) })
	return all
}

func TestReadCSV(t *testing.T) {
	until := time.Date(2027, 1, 31, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want []Entry
	}{
		{"all columns",
			"type,value,verdict,threat,description,valid_until\n" +
				"domain,Evil.Example,Malicious,C2,beacon server,2027-01-31T12:00:00Z\n",
			[]Entry{{Type: alert.EntityDomain, Value: "evil.example", Verdict: "malicious",
				Threat: "C2", Description: "beacon server", Source: "l.csv",
				ValidUntil: until}}},
		{"only type and value, any order, other columns ignored",
			"Value, Type ,first_seen\n192.0.2.1,ipv4,2026-01-01\n",
			[]Entry{{Type: alert.EntityIP, Value: "192.0.2.1", Verdict: "suspicious",
				Source: "l.csv"}}},
		{"byte order mark, comments, blank lines, short rows",
			"\ufefftype,value,verdict,threat\n# a comment\n\n,,,\n" +
				"url,hxxps://x[.]example/a,malicious\n",
			[]Entry{{Type: alert.EntityURL, Value: "https://x.example/a",
				Verdict: "malicious", Source: "l.csv"}}},
		{"quoted fields", "type,value,description\n" +
			`mailbox,"A@B.example","sends ""invoices"", then malware"` + "\n",
			[]Entry{{Type: alert.EntityMailbox, Value: "a@b.example",
				Verdict: "suspicious", Description: `sends "invoices", then malware`,
				Source: "l.csv"}}},
		{"no rows", "type,value\n", nil},
	}
	for _, tt := range tests {
		l, err := ReadCSV(strings.NewReader(tt.in), "l.csv")
		if err != nil {
			t.Errorf("%s: got error %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, l.sortedEntries()); diff != "" {
			t.Errorf("%s: entries (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestReadCSVTypes(t *testing.T) {
	sha1 := "3395856ce81f2b7382dee72602f798b642f14140"
	tests := []struct {
		typ, value string
		want       alert.EntityType
	}{
		{"file", eicarSHA256, alert.EntityFile},
		{"SHA256", eicarSHA256, alert.EntityFile},
		{"sha-256", eicarSHA256, alert.EntityFile},
		{"sha1", sha1, alert.EntityFile},
		{"md5", "44d88612fea8a8f36de82e1278abb02f", alert.EntityFile},
		{"hash", sha1, alert.EntityFile},
		{"ipv6", "2001:db8::1", alert.EntityIP},
		{"hostname", "a.example", alert.EntityDomain},
		{"FQDN", "a.example", alert.EntityDomain},
		{"domain-name", "a.example", alert.EntityDomain},
		{"email", "a@b.example", alert.EntityMailbox},
		{"user", "alex@example.com", alert.EntityUser},
		{"access_key", "AKIAIOSFODNN7EXAMPLE", alert.EntityAccessKey},
		{"host", "i-0abc", alert.EntityHost},
	}
	for _, tt := range tests {
		l, err := ReadCSV(strings.NewReader("type,value\n"+tt.typ+","+tt.value), "l")
		if err != nil {
			t.Errorf("%s: got error %v", tt.typ, err)
			continue
		}
		if got := l.sortedEntries(); len(got) != 1 || got[0].Type != tt.want {
			t.Errorf("%s: got entries %+v, want one of type %s", tt.typ, got, tt.want)
		}
	}
}

func TestReadCSVErrorsNameLineAndField(t *testing.T) {
	header := "type,value,verdict,threat,description,valid_until\n"
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "indicators.csv: no header row"},
		{"only comments", "# nothing\n\n", "indicators.csv: no header row"},
		{"header lacks value", "# list\ntype,verdict\n",
			`indicators.csv:2: header lacks column "value"`},
		{"column twice", "type,value,Value\n", `indicators.csv:1: column "value" appears twice`},
		{"bad verdict", header + "# c\n\ndomain,a.example,malicious\n" +
			"domain,b.example,suspicious\n\ndomain,c.example,bad\n",
			`indicators.csv:7: verdict "bad" is not malicious or suspicious`},
		{"bad type", header + "ipaddr,192.0.2.1\n",
			`indicators.csv:2: type "ipaddr" is not an indicator type`},
		{"no type", header + ",192.0.2.1\n", `indicators.csv:2: type is empty`},
		{"no value", header + "ip, \n", `indicators.csv:2: value is empty`},
		{"bad ip", header + "ip,192.0.2.300\n",
			`indicators.csv:2: value "192.0.2.300" is not an IP address`},
		{"bad hash", header + "file,xyz\n",
			`indicators.csv:2: value "xyz" is not an MD5, SHA-1, SHA-256 or SHA-512 hash`},
		{"hash of other length", header + "sha256,44d88612fea8a8f36de82e1278abb02f\n",
			`indicators.csv:2: value "44d88612fea8a8f36de82e1278abb02f" is not a sha256 hash`},
		{"bad time", header + "domain,a.example,malicious,,,2027-01-31\n",
			`indicators.csv:2: valid_until "2027-01-31" is not an RFC 3339 time`},
		{"bad quoting", header + "domain,\"a.example,malicious\n",
			`indicators.csv:2: extraneous or missing " in quoted-field`},
	}
	for _, tt := range tests {
		l, err := ReadCSV(strings.NewReader(tt.in), "indicators.csv")
		if err == nil {
			t.Errorf("%s: got list of %d and no error, want %q", tt.name, l.Len(), tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%s: got error %q, want %q", tt.name, err, tt.want)
		}
	}
}
