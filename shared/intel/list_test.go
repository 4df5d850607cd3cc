package intel

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

const eicarSHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"

func TestListReputation(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	mal, sus := investigation.VerdictMalicious, investigation.VerdictSuspicious
	l := &List{Now: func() time.Time { return now }}
	err := l.Add(
		Entry{Type: alert.EntityFile, Value: "SHA256:" + eicarSHA256, Verdict: mal,
			Threat: "EICAR-Test-File", Source: "a"},
		Entry{Type: alert.EntityFile, Value: eicarSHA256, Verdict: sus,
			Description: "test file", Source: "b"},
		Entry{Type: alert.EntityURL, Value: "hxxps://login-verify[.]malicious[.]example/owa/auth",
			Verdict: mal, Threat: "phishing", Description: "OWA lure", Source: "a"},
		Entry{Type: alert.EntityDomain, Value: "Evil.Example.", Verdict: sus, Source: "a"},
		Entry{Type: alert.EntityIP, Value: "192.0.2.7", Verdict: mal, Threat: "C2", Source: "a"},
		Entry{Type: alert.EntityDomain, Value: "gone.example", Verdict: mal, Source: "a",
			ValidUntil: now},
		Entry{Type: alert.EntityDomain, Value: "soon.example", Verdict: mal, Source: "a",
			ValidUntil: now.Add(time.Second)},
	)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		e    alert.Entity
		want []investigation.Evidence
	}{
		{"two lists", alert.Entity{Type: alert.EntityFile, Key: eicarSHA256},
			[]investigation.Evidence{
				{Verdict: mal, Source: "a", Text: `on indicator list "a": EICAR-Test-File`},
				{Verdict: sus, Source: "b", Text: `on indicator list "b": test file`},
			}},
		{"defanged entry meets live url",
			alert.Entity{Type: alert.EntityURL,
				Key: "https://login-verify.malicious.example/owa/auth"},
			[]investigation.Evidence{{Verdict: mal, Source: "a",
				Text: `on indicator list "a": phishing — OWA lure`}}},
		{"url meets its domain", alert.Entity{Type: alert.EntityURL,
			Key: "http://evil.example:8080/x?y=1"},
			[]investigation.Evidence{{Verdict: sus, Source: "a",
				Text: `its domain evil.example is on indicator list "a" as suspicious`}}},
		{"url meets its address", alert.Entity{Type: alert.EntityURL, Key: "http://192.0.2.7/"},
			[]investigation.Evidence{{Verdict: mal, Source: "a",
				Text: `its host 192.0.2.7 is on indicator list "a": C2`}}},
		{"domain", alert.Entity{Type: alert.EntityDomain, Key: "evil.example"},
			[]investigation.Evidence{{Verdict: sus, Source: "a",
				Text: `on indicator list "a" as suspicious`}}},
		{"hand-made key keyed again", alert.Entity{Type: alert.EntityDomain, Key: "EVIL.example"},
			[]investigation.Evidence{{Verdict: sus, Source: "a",
				Text: `on indicator list "a" as suspicious`}}},
		{"subdomain is not the domain", alert.Entity{Type: alert.EntityDomain,
			Key: "www.evil.example"}, nil},
		{"same key other type", alert.Entity{Type: alert.EntityDomain, Key: "192.0.2.7"}, nil},
		{"expired at valid_until", alert.Entity{Type: alert.EntityDomain, Key: "gone.example"},
			nil},
		{"not yet expired", alert.Entity{Type: alert.EntityDomain, Key: "soon.example"},
			[]investigation.Evidence{{Verdict: mal, Source: "a",
				Text: `on indicator list "a" as malicious`}}},
		{"unknown", alert.Entity{Type: alert.EntityIP, Key: "192.0.2.8"}, nil},
		{"no key", alert.Entity{Type: alert.EntityFile, Key: "not a hash"}, nil},
	}
	for _, tt := range tests {
		got, err := l.Reputation(context.Background(), tt.e)
		if err != nil {
			t.Errorf("%s: got error %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: evidence (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestListAddKeepsOneOfEqualEntries(t *testing.T) {
	until := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	en := Entry{Type: alert.EntityIP, Value: "192.0.2.1", Verdict: "malicious",
		Source: "a", ValidUntil: until}
	same := en
	same.Value = "::ffff:192.0.2.1"
	same.ValidUntil = until.In(time.FixedZone("CET", 3600))
	var l List
	if err := l.Add(en, same, en); err != nil {
		t.Fatal(err)
	}
	if got := l.Len(); got != 1 {
		t.Errorf("got %d entries, want 1", got)
	}
}

func TestListAddRefusesInvalidEntries(t *testing.T) {
	ok := Entry{Type: alert.EntityDomain, Value: "a.example", Verdict: "malicious"}
	tests := []struct {
		name string
		en   Entry
		want string
	}{
		{"no type", Entry{Value: "a", Verdict: "malicious"}, "type is empty"},
		{"no value", Entry{Type: alert.EntityDomain, Value: " ", Verdict: "malicious"},
			"value is empty"},
		{"not a hash", Entry{Type: alert.EntityFile, Value: "abc", Verdict: "malicious"},
			`value "abc" is not an MD5, SHA-1, SHA-256 or SHA-512 hash`},
		{"not an address", Entry{Type: alert.EntityIP, Value: "x", Verdict: "malicious"},
			`value "x" is not an IP address`},
		{"clean", Entry{Type: alert.EntityDomain, Value: "a", Verdict: "clean"},
			`verdict "clean" is not malicious or suspicious`},
	}
	for _, tt := range tests {
		var l List
		err := l.Add(ok, tt.en)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: got error %v, want %q", tt.name, err, tt.want)
		}
		if n := l.Len(); n != 0 {
			t.Errorf("%s: got %d entries added, want none", tt.name, n)
		}
	}
}

func TestListAnswersWhileAdding(t *testing.T) {
	var l List
	e := alert.Entity{Type: alert.EntityDomain, Key: "a.example"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if _, err := l.Reputation(context.Background(), e); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Go(func() {
		for range 100 {
			err := l.Add(Entry{Type: alert.EntityDomain, Value: "a.example",
				Verdict: "suspicious", Source: "s"})
			if err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	ev, _ := l.Reputation(context.Background(), e)
	if len(ev) != 1 {
		t.Errorf("got %d pieces of evidence, want 1", len(ev))
	}
}
