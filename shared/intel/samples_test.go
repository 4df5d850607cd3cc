package intel

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// The sample lists, which drive the project's sample investigations.
const (
	sampleCSV    = "../../events/intel/indicators.csv"
	sampleBundle = "../../events/intel/bundle.stix.json"
)

// sampleNow is a time after the samples were written, when their expired
// entries have expired and the others have not.
var sampleNow = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// sampleIntel returns both sample lists, read, in a chain.
func sampleIntel(t *testing.T) Chain {
	t.Helper()
	var c Chain
	for _, s := range []struct {
		path string
		read func(*os.File, string) (*List, error)
	}{
		{sampleCSV, func(f *os.File, n string) (*List, error) { return ReadCSV(f, n) }},
		{sampleBundle, func(f *os.File, n string) (*List, error) { return ReadSTIX(f, n) }},
	} {
		f, err := os.Open(s.path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		l, err := s.read(f, "demo")
		if err != nil {
			t.Fatalf("read %s: %v", s.path, err)
		}
		l.Now = func() time.Time { return sampleNow }
		c = append(c, Source{Name: s.path, Intel: l})
	}
	return c
}

func TestSampleListsJudgeTheSampleIndicators(t *testing.T) {
	mal, sus := investigation.VerdictMalicious, investigation.VerdictSuspicious
	tests := []struct {
		typ   alert.EntityType
		value string // as an alert gives it; keyed with alert.Key
		want  []investigation.Verdict
	}{
		{alert.EntityFile, "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F",
			[]investigation.Verdict{mal}},
		{alert.EntityFile, "44d88612fea8a8f36de82e1278abb02f", []investigation.Verdict{mal}},
		{alert.EntityURL, "https://login-verify.malicious.example/owa/auth",
			[]investigation.Verdict{mal}},
		{alert.EntityDomain, "docs-share.malicious.example", []investigation.Verdict{mal}},
		{alert.EntityURL, "https://docs-share.malicious.example/view/x9k2p4q7",
			[]investigation.Verdict{mal}},
		{alert.EntityDomain, "beacon.malicious.example", []investigation.Verdict{mal}},
		{alert.EntityURL, "https://beacon.malicious.example/submit.php?id=42",
			[]investigation.Verdict{mal, mal}},
		{alert.EntityDomain, "xmr.pool.malicious.example.", []investigation.Verdict{sus}},
		{alert.EntityDomain, "dl.malicious.example", []investigation.Verdict{mal}},
		{alert.EntityIP, "198.51.100.77", []investigation.Verdict{mal}},
		{alert.EntityIP, "198.51.100.73", []investigation.Verdict{sus}},
		{alert.EntityIP, "203.0.113.45", []investigation.Verdict{mal}},
		{alert.EntityMailbox, "IT-Helpdesk@sender.example.net", []investigation.Verdict{mal}},
		{alert.EntityDomain, "cdn-update.malicious.example", []investigation.Verdict{sus}},
		// expired, revoked, benign, or never listed
		{alert.EntityDomain, "old-c2.malicious.example", nil},
		{alert.EntityDomain, "old-dropper.malicious.example", nil},
		{alert.EntityIP, "203.0.113.99", nil},
		{alert.EntityDomain, "updates.example.com", nil},
		{alert.EntityDomain, "malicious.example", nil},
	}
	intel := sampleIntel(t)
	for _, tt := range tests {
		e := alert.Entity{Type: tt.typ, Key: alert.Key(tt.typ, tt.value)}
		ev, err := intel.Reputation(context.Background(), e)
		if err != nil {
			t.Errorf("%s: got error %v", e.Ref(), err)
			continue
		}
		var got []investigation.Verdict
		for _, x := range ev {
			got = append(got, x.Verdict)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: verdicts (-want +got):\n%s\nevidence: %+v", e.Ref(), diff, ev)
		}
	}
}

func TestSampleListsSayWhatTheIndicatorIs(t *testing.T) {
	tests := []struct {
		e    alert.Entity
		want []investigation.Evidence
	}{
		{alert.Entity{Type: alert.EntityFile,
			Key: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"},
			[]investigation.Evidence{{Verdict: "malicious", Source: "demo",
				Text: `on indicator list "demo": EICAR-Test-File — ` +
					"The 68-byte EICAR test string, by SHA-256, SHA-1 and MD5"}}},
		{alert.Entity{Type: alert.EntityURL,
			Key: "https://login-verify.malicious.example/owa/auth"},
			[]investigation.Evidence{{Verdict: "malicious", Source: "demo",
				Text: `on indicator list "demo": credential phishing (OWA lure) — ` +
					"Fake Outlook Web App sign-in page that collects passwords"}}},
		{alert.Entity{Type: alert.EntityURL, Key: "https://dl.malicious.example/a.exe"},
			[]investigation.Evidence{{Verdict: "malicious", Source: "demo",
				Text: `its domain dl.malicious.example is on indicator list "demo": ` +
					"malware distribution — Serves loaders and droppers to phished users"}}},
		{alert.Entity{Type: alert.EntityIP, Key: "203.0.113.45"},
			[]investigation.Evidence{{Verdict: "malicious", Source: "demo",
				Text: `on indicator list "demo": DocShare credential phishing — ` +
					"Phishing sender of the DocShare lure and the mail server it sends from"}}},
		{alert.Entity{Type: alert.EntityDomain, Key: "beacon.malicious.example"},
			[]investigation.Evidence{{Verdict: "malicious", Source: "demo",
				Text: `on indicator list "demo": CobaltStrike C2 — ` +
					"Team server answering HTTPS beacons"}}},
	}
	intel := sampleIntel(t)
	for _, tt := range tests {
		got, err := intel.Reputation(context.Background(), tt.e)
		if err != nil {
			t.Errorf("%s: got error %v", tt.e.Ref(), err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: evidence (-want +got):\n%s", tt.e.Ref(), diff)
		}
	}
}
