package tenant_test

import (
	"context"
	"testing"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/google/go-cmp/cmp"
)

// texts returns evidence as "verdict: text", failing the test for
// evidence that does not name the tenant or that names a step.
func texts(t *testing.T, ev []investigation.Evidence) []string {
	t.Helper()
	var s []string
	for _, e := range ev {
		if e.Source != "tenant" || e.Step != "" {
			t.Errorf("evidence %+v, want source tenant and no step", e)
		}
		s = append(s, string(e.Verdict)+": "+e.Text)
	}
	return s
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name     string
		of       alert.Entity
		critical bool
		want     []string
		attrs    map[string]string
	}{
		{"critical host", ent(alert.EntityHost, "i-0c3d4e5f607182930"), true,
			[]string{"unknown: critical asset"}, map[string]string{"os": "Amazon Linux 2023"}},
		{"ordinary host", ent(alert.EntityHost, web01), false, nil,
			map[string]string{"os": "Amazon Linux 2023"}},
		{"process from a temporary directory", ent(alert.EntityProcess, dropper), false,
			[]string{`suspicious: runs from C:\Users\alex.doe\AppData\Local\Temp\.cache\` +
				`invoice_update.exe, under the temporary or download directory Temp`},
			map[string]string{"host": wsAlex,
				"path": `C:\Users\alex.doe\AppData\Local\Temp\.cache\invoice_update.exe`}},
		{"ordinary process", ent(alert.EntityProcess, curl), false, nil,
			map[string]string{"host": web01, "path": "/usr/bin/curl"}},
		{"explorer where it belongs", ent(alert.EntityProcess, explorer), false, nil,
			map[string]string{"host": wsAlex, "path": `C:\Windows\explorer.exe`}},
		{"user travelling, forwarding, without MFA", ent(alert.EntityUser, alex), false,
			[]string{
				"unknown: has no MFA",
				"suspicious: signed in from 198.51.100.73 (NL) 52 minutes after signing in " +
					"from 192.0.2.31 (US): impossible travel",
				"suspicious: forwards mail to external address alex.doe.backup@freemail.example",
			}, map[string]string{"mfa": "false", "enabled": "true"}},
		{"critical user", ent(alert.EntityUser, "adm.adoe@corp.example"), true,
			[]string{"unknown: critical account"},
			map[string]string{"mfa": "true", "enabled": "true"}},
		{"ordinary user", ent(alert.EntityUser, "jamie.roe@example.com"), false, nil,
			map[string]string{"mfa": "true", "enabled": "true"}},
		{"forwarding mailbox", ent(alert.EntityMailbox, alex), false,
			[]string{"suspicious: forwards mail to external address " +
				"alex.doe.backup@freemail.example"},
			map[string]string{"forwarding_to": "alex.doe.backup@freemail.example"}},
		{"mailbox kept in", ent(alert.EntityMailbox, "jamie.roe@example.com"), false, nil, nil},
		{"key refused many calls", ent(alert.EntityAccessKey, reconKey), false, []string{
			"unknown: status Active",
			"unknown: created 2025-01-15T09:00:00Z",
			"unknown: owned by " + alexARN,
			"suspicious: 6 calls denied (AccessDenied): reconnaissance",
		}, map[string]string{"status": "Active", "created": "2025-01-15T09:00:00Z"}},
		{"key used as usual", ent(alert.EntityAccessKey, alexKey2), false, []string{
			"unknown: status Active",
			"unknown: created 2025-02-20T10:00:00Z",
			"unknown: owned by " + alexARN,
		}, map[string]string{"status": "Active", "created": "2025-02-20T10:00:00Z"}},
	}
	tn := seeded(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tn.Describe(context.Background(), tt.of)
			if err != nil {
				t.Fatal(err)
			}
			if f.Critical != tt.critical {
				t.Errorf("Critical = %v, want %v", f.Critical, tt.critical)
			}
			if diff := cmp.Diff(tt.want, texts(t, f.Evidence)); diff != "" {
				t.Errorf("evidence on %s (-want +got):\n%s", tt.of.Ref(), diff)
			}
			if diff := cmp.Diff(tt.attrs, f.Attributes); diff != "" {
				t.Errorf("attributes of %s (-want +got):\n%s", tt.of.Ref(), diff)
			}
		})
	}
}

// find returns the related entry of f with kind and ref.
func find(f datasource.Finding, kind, ref string) (datasource.Related, bool) {
	for _, r := range f.Related {
		if r.Kind == kind && r.Entity.Ref() == ref {
			return r, true
		}
	}
	return datasource.Related{}, false
}

func TestRelatedCarryNamesAttributesAndEvidence(t *testing.T) {
	tests := []struct {
		name      string
		ask       question
		of        alert.Entity
		kind, ref string
		wantName  string
		wantAttrs map[string]string // those to check
		wantEv    []string
	}{
		{"paths of the copies on a host", hunt, ent(alert.EntityFile, eicar),
			"held_by", "host:" + web01, "web-01",
			map[string]string{"path": "/home/ec2-user/downloads/eicar_copy.txt\n/tmp/eicar.com"},
			nil},
		{"where a download landed", origin, ent(alert.EntityFile, eicar),
			"downloaded_from", "url:http://dl.malicious.example/eicar.com", "",
			map[string]string{"host": web01, "path": "/tmp/eicar.com"}, nil},
		{"a parent's child", origin, ent(alert.EntityProcess, curl),
			"parent_process", "process:" + web01 + ":1022", "sshd",
			map[string]string{"parent_of": web01 + ":4100", "path": "/usr/sbin/sshd"}, nil},
		{"a host a user logs on to", affected, ent(alert.EntityUser, alex),
			"logged_on_to", "host:" + wsAlex, "ws-alex-01", nil, nil},
		{"a blocked click", affected, ent(alert.EntityURL, docsURL),
			"clicked_by", "user:sam.lee@example.com", "Sam Lee",
			map[string]string{"time": "2025-03-13T10:20:00Z"},
			[]string{"unknown: clicked " + docsURL + " at 2025-03-13T10:20:00Z: " +
				"the click was blocked"}},
		{"an allowed click", affected, ent(alert.EntityURL, loginURL),
			"clicked_by", "user:jamie.roe@example.com", "Jamie Roe",
			map[string]string{"time": "2025-03-06T10:41:00Z"},
			[]string{"unknown: clicked " + loginURL + " at 2025-03-06T10:41:00Z: " +
				"the click was allowed"}},
		{"a failed sign-in", hunt, ent(alert.EntityIP, "203.0.113.61"),
			"signed_in_as", "user:sam.lee@example.com", "Sam Lee", nil,
			[]string{"unknown: signed in from 203.0.113.61 at 2025-03-12T19:15:40Z to Okta: " +
				"failed"}},
		{"a successful sign-in", hunt, ent(alert.EntityIP, "192.0.2.77"),
			"signed_in_as", "user:jamie.roe@example.com", "Jamie Roe",
			map[string]string{"time": "2025-03-06T10:55:00Z"},
			[]string{"unknown: signed in from 192.0.2.77 at 2025-03-06T10:55:00Z to " +
				"Office 365: succeeded"}},
		{"calls from an IP", origin, ent(alert.EntityAccessKey, reconKey),
			"called_from", "ip:" + reconIP, "", nil,
			[]string{"unknown: 8 calls with " + reconKey + " from " + reconIP + " between " +
				"2025-03-11T14:20:02Z and 2025-03-11T14:21:25Z, 6 denied"}},
		{"a message in a mailbox", hunt, ent(alert.EntityURL, docsURL),
			"found_in", "email_message:" + docs, "Shared document: Q1 invoice review",
			map[string]string{"mailbox": alex}, nil},
		{"what a key accessed", affected, ent(alert.EntityAccessKey, reconKey),
			"accessed", "cloud_resource:" + financeS3, "example-finance-reports",
			map[string]string{"event_name": "ListBuckets\nGetObject"}, nil},
	}
	tn := seeded(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tt.ask(tn, context.Background(), tt.of)
			if err != nil {
				t.Fatal(err)
			}
			r, ok := find(f, tt.kind, tt.ref)
			if !ok {
				t.Fatalf("no %s %s among %q", tt.kind, tt.ref, summary(f))
			}
			if r.Entity.Name != tt.wantName {
				t.Errorf("got name %q, want %q", r.Entity.Name, tt.wantName)
			}
			for k, want := range tt.wantAttrs {
				if got := r.Entity.Attributes[k]; got != want {
					t.Errorf("got %s %q, want %q", k, got, want)
				}
			}
			if diff := cmp.Diff(tt.wantEv, texts(t, r.Evidence)); diff != "" {
				t.Errorf("evidence (-want +got):\n%s", diff)
			}
		})
	}
}
