package tenant_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak/shared/tenant"
	"github.com/google/go-cmp/cmp"
)

func TestReadSnapshotRefusesBadTenants(t *testing.T) {
	urls := `"https://x.example/0"` + strings.Repeat(`,"https://x.example/0"`, 48)
	tests := []struct {
		name, doc string
		wantItem  string // "" for an error that is no *SnapshotError
		wantText  string
	}{
		{"unknown field", `{"hosts":[],"printers":[]}`, "", `unknown field "printers"`},
		{"not JSON", `{`, "", "unexpected EOF"},
		{"two documents", `{} {}`, "", "more than one document"},
		{"host without id", `{"hosts":[{"name":"x"}]}`, "hosts[0]", "id is empty"},
		{"short hash", `{"hosts":[{"id":"h","files":[{"path":"/a","sha256":"abc"}]}]}`,
			"host h", `files[0]: sha256 "abc" is not a SHA-256`},
		{"file without path", `{"hosts":[{"id":"h","files":[{"sha256":"` + eicar + `"}]}]}`,
			"host h", "files[0]: path is empty"},
		{"relative download URL", `{"hosts":[{"id":"h","files":[{"path":"/a","sha256":"` +
			eicar + `","downloaded_from":"eicar.com"}]}]}`,
			"host h", `files[0]: downloaded_from "eicar.com" is not an absolute URL`},
		{"duplicate host", `{"hosts":[{"id":"h"},{"id":" h "}]}`,
			"host h", "host h appears twice"},
		{"duplicate process", `{"hosts":[{"id":"a","processes":[{"id":"p"}]},
			{"id":"b","processes":[{"id":"p"}]}]}`,
			"host b", "processes[0]: process p appears twice"},
		{"bad host address", `{"hosts":[{"id":"h","ips":["10.0.0.300"]}]}`,
			"host h", `ips[0] "10.0.0.300" is not an IP address`},
		{"sign-in without time", `{"users":[{"id":"u","sign_ins":[{"ip":"192.0.2.1"}]}]}`,
			"user u", "sign_ins[0]: time is missing"},
		{"duplicate user", `{"users":[{"id":"U@example.com"},{"id":"u@example.com"}]}`,
			"user u@example.com", "user u@example.com appears twice"},
		{"mailbox without owner", `{"mailboxes":[{"address":"m@example.com"}]}`,
			"mailbox m@example.com", "user is empty"},
		{"message without sender", `{"mailboxes":[{"address":"m@x","user":"u",
			"messages":[{"id":"1","received":"2025-03-01T00:00:00Z"}]}]}`,
			"mailbox m@x", "messages[0]: sender is empty"},
		{"message twice in a mailbox", `{"mailboxes":[{"address":"m@x","user":"u","messages":[
			{"id":"1","sender":"s@y","received":"2025-03-01T00:00:00Z"},
			{"id":"1","sender":"s@y","received":"2025-03-01T00:00:00Z"}]}]}`,
			"mailbox m@x", "messages[1]: message 1 appears twice"},
		{"message with too many URLs", `{"mailboxes":[{"address":"m@x","user":"u",
			"messages":[{"id":"1","sender":"s@y","received":"2025-03-01T00:00:00Z",
			"urls":[` + urls + `]}]}]}`, "mailbox m@x",
			"messages[0]: 49 URLs and 0 attachments need 98 index items; " +
				"one transaction holds 97"},
		{"click without user", `{"clicks":[{"url":"https://x.example/","time":
			"2025-03-01T00:00:00Z"}]}`, "clicks[0]", "user is empty"},
		{"key status", `{"principals":[{"arn":"arn:aws:iam::1:user/p","access_keys":[
			{"id":"K","status":"Revoked"}]}]}`, "principal arn:aws:iam::1:user/p",
			`access_keys[0]: status "Revoked" is neither Active nor Inactive`},
		{"duplicate key", `{"principals":[
			{"arn":"arn:aws:iam::1:user/p","access_keys":[{"id":"K","status":"Active"}]},
			{"arn":"arn:aws:iam::1:user/q","access_keys":[{"id":"K","status":"Active"}]}]}`,
			"principal arn:aws:iam::1:user/q", "access_keys[0]: access key K appears twice"},
		{"call with another's key", `{"principals":[{"arn":"arn:aws:iam::1:user/p",
			"access_keys":[{"id":"K","status":"Active"}],"activity":[{"time":
			"2025-03-01T00:00:00Z","event_name":"GetObject","source_ip":"192.0.2.1",
			"access_key":"L"}]}]}`, "principal arn:aws:iam::1:user/p",
			"activity[0]: access_key L is not one of the principal's keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tenant.ReadSnapshot(strings.NewReader(tt.doc))
			if err == nil {
				t.Fatal("ReadSnapshot succeeded, want an error")
			}
			var se *tenant.SnapshotError
			gotItem := ""
			if errors.As(err, &se) {
				gotItem = se.Item
			}
			if gotItem != tt.wantItem {
				t.Errorf("got item %q, want %q (error %v)", gotItem, tt.wantItem, err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("got error %q, want one saying %q", err, tt.wantText)
			}
		})
	}
}

func TestReadSnapshotMakesKeysCanonical(t *testing.T) {
	snap, err := tenant.ReadSnapshot(strings.NewReader(`{
	  "hosts": [{"id": " h ", "users": ["Alex@Example.COM"], "ips": ["::ffff:192.0.2.1"],
	    "dns_queries": ["Evil.Example."],
	    "files": [{"path": "/a", "sha256": "SHA256:` + strings.ToUpper(eicar) + `",
	      "downloaded_from": "hxxp://Dl.Malicious[.]Example/a"}]}],
	  "users": [],
	  "clicks": [{"url": "HTTPS://X.Example/P", "user": "U@X", "time": "2025-03-01T00:00:00Z"}]
	}`))
	if err != nil {
		t.Fatalf("ReadSnapshot: %v", err)
	}
	h, c := snap.Hosts[0], snap.Clicks[0]
	got := []string{h.ID, h.Users[0], h.IPs[0], h.DNSQueries[0], h.Files[0].SHA256,
		h.Files[0].DownloadedFrom, c.URL, c.User}
	want := []string{"h", "alex@example.com", "192.0.2.1", "evil.example", eicar,
		"http://dl.malicious.example/a", "https://x.example/P", "u@x"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}

func TestSeededTenantReadsBack(t *testing.T) {
	tn, ctx := seeded(t), context.Background()

	// a host with its processes
	h, ok, err := tn.Host(ctx, web01)
	if err != nil || !ok || len(h.Files) != 4 || len(h.Processes) != 3 {
		t.Errorf("Host(web-01) = %d files, %d processes, %v, %v; want 4, 3, true, nil",
			len(h.Files), len(h.Processes), ok, err)
	}

	// a user with its sign-ins
	u, ok, err := tn.User(ctx, alex)
	if err != nil || !ok || u.MFA || !u.Enabled || len(u.SignIns) != 2 ||
		!u.SignIns[1].Time.Equal(time.Date(2025, 3, 10, 8, 57, 0, 0, time.UTC)) {
		t.Errorf("User(%s) = %+v, %v, %v; want no MFA, enabled, two sign-ins", alex, u, ok, err)
	}

	// a mailbox with its messages
	m, ok, err := tn.Mailbox(ctx, alex)
	if err != nil || !ok || m.ForwardingTo != "alex.doe.backup@freemail.example" ||
		len(m.Messages) != 3 {
		t.Errorf("Mailbox(%s) = %+v, %v, %v; want forwarding and 3 messages", alex, m, ok, err)
	}

	// an access key with its owner
	k, ok, err := tn.AccessKey(ctx, reconKey)
	if err != nil || !ok || k.Status != tenant.KeyActive || k.Principal != alexARN {
		t.Errorf("AccessKey(%s) = %+v, %v, %v; want active, of %s", reconKey, k, ok, err,
			alexARN)
	}

	// and what it does not hold
	if _, ok, err := tn.User(ctx, "nobody@example.com"); ok || err != nil {
		t.Errorf("User(nobody) = %v, %v; want false, nil", ok, err)
	}
}

func TestRepositoryTenantHoldsTheEICARFileOnAtMostSixHosts(t *testing.T) {
	f, err := os.Open("../../events/tenant/tenant.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	snap, err := tenant.ReadSnapshot(f)
	if err != nil {
		t.Fatalf("ReadSnapshot: %v", err)
	}
	holders := 0
	for _, h := range snap.Hosts {
		for _, file := range h.Files {
			if file.SHA256 == eicar {
				holders++
				break
			}
		}
	}
	if holders == 0 || holders > 6 {
		t.Errorf("got %d hosts holding EICAR, want 1 to 6", holders)
	}
}
