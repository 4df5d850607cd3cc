package tenant_test

import (
	"context"
	"testing"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/google/go-cmp/cmp"
)

// rules is a tenant made to try the rules Describe judges by.
const rules = `{
  "hosts": [{"id": "h", "name": "h", "processes": [
    {"id": "p-svchost", "name": "svchost.exe", "path": "C:\\Windows\\System32\\svchost.exe"},
    {"id": "p-fake", "name": "svchost.exe", "path": "C:\\Users\\x\\AppData\\Roaming\\svchost.exe"},
    {"id": "p-dl", "name": "tool", "path": "/home/x/Downloads/tool"},
    {"id": "p-tmp", "name": "x", "path": "/tmp/x"},
    {"id": "p-ls", "name": "ls", "path": "/usr/bin/ls"},
    {"id": "p-nopath", "name": "lsass.exe"}
  ]}],
  "users": [
    {"id": "same-country", "mfa": true, "enabled": true, "sign_ins": [
      {"time": "2025-03-10T08:00:00Z", "ip": "192.0.2.1", "country": "US", "success": true},
      {"time": "2025-03-10T08:30:00Z", "ip": "192.0.2.2", "country": "US", "success": true}]},
    {"id": "slow-travel", "mfa": true, "enabled": true, "sign_ins": [
      {"time": "2025-03-10T08:00:00Z", "ip": "192.0.2.1", "country": "US", "success": true},
      {"time": "2025-03-10T10:00:00Z", "ip": "198.51.100.1", "country": "NL", "success": true}]},
    {"id": "failed-abroad", "mfa": true, "enabled": true, "sign_ins": [
      {"time": "2025-03-10T08:00:00Z", "ip": "192.0.2.1", "country": "US", "success": true},
      {"time": "2025-03-10T08:10:00Z", "ip": "198.51.100.1", "country": "NL", "success": false}]},
    {"id": "back-and-forth", "mfa": true, "enabled": false, "sign_ins": [
      {"time": "2025-03-10T09:00:00Z", "ip": "192.0.2.1", "country": "US", "success": true},
      {"time": "2025-03-10T08:00:00Z", "ip": "198.51.100.1", "country": "NL", "success": true},
      {"time": "2025-03-10T09:30:00Z", "ip": "198.51.100.1", "country": "NL", "success": true}]}
  ],
  "principals": [{"arn": "arn:aws:iam::111122223333:user/p", "access_keys": [
      {"id": "K4", "status": "Active"}, {"id": "K5", "status": "Inactive"}],
    "activity": [
      {"time": "2025-03-11T14:00:01Z", "event_name": "a", "source_ip": "192.0.2.9",
       "access_key": "K4", "error_code": "AccessDenied"},
      {"time": "2025-03-11T14:00:02Z", "event_name": "b", "source_ip": "192.0.2.9",
       "access_key": "K4", "error_code": "AccessDenied"},
      {"time": "2025-03-11T14:00:03Z", "event_name": "c", "source_ip": "192.0.2.9",
       "access_key": "K4", "error_code": "AccessDenied"},
      {"time": "2025-03-11T14:00:04Z", "event_name": "d", "source_ip": "192.0.2.9",
       "access_key": "K4", "error_code": "AccessDenied"},
      {"time": "2025-03-11T14:00:05Z", "event_name": "e", "source_ip": "192.0.2.9",
       "access_key": "K4", "error_code": "NoSuchBucket"},
      {"time": "2025-03-11T14:00:01Z", "event_name": "a", "source_ip": "192.0.2.9",
       "access_key": "K5", "error_code": "AccessDenied"},
      {"time": "2025-03-11T14:00:02Z", "event_name": "b", "source_ip": "192.0.2.9",
       "access_key": "K5", "error_code": "UnauthorizedOperation"},
      {"time": "2025-03-11T14:00:03Z", "event_name": "c", "source_ip": "192.0.2.9",
       "access_key": "K5", "error_code": "AccessDenied"},
      {"time": "2025-03-11T14:00:04Z", "event_name": "d", "source_ip": "192.0.2.9",
       "access_key": "K5", "error_code": "AccessDenied"},
      {"time": "2025-03-11T14:00:05Z", "event_name": "e", "source_ip": "192.0.2.9",
       "access_key": "K5", "error_code": "AccessDenied"}
    ]}]
}`

func TestDescribeRules(t *testing.T) {
	tests := []struct {
		name string
		of   alert.Entity
		want []string
	}{
		{"svchost in System32", ent(alert.EntityProcess, "p-svchost"), nil},
		{"svchost elsewhere", ent(alert.EntityProcess, "p-fake"), []string{
			`suspicious: bears the name of the system program svchost.exe but runs from ` +
				`C:\Users\x\AppData\Roaming\svchost.exe: masquerading`}},
		{"from Downloads", ent(alert.EntityProcess, "p-dl"), []string{
			"suspicious: runs from /home/x/Downloads/tool, under the temporary or download " +
				"directory Downloads"}},
		{"from /tmp", ent(alert.EntityProcess, "p-tmp"), []string{
			"suspicious: runs from /tmp/x, under the temporary or download directory tmp"}},
		{"from /usr/bin", ent(alert.EntityProcess, "p-ls"), nil},
		{"path unknown", ent(alert.EntityProcess, "p-nopath"), nil},
		{"two sign-ins in one country", ent(alert.EntityUser, "same-country"), nil},
		{"two countries two hours apart", ent(alert.EntityUser, "slow-travel"), nil},
		{"a failed sign-in abroad", ent(alert.EntityUser, "failed-abroad"), nil},
		{"sign-ins out of order", ent(alert.EntityUser, "back-and-forth"), []string{
			"unknown: is disabled",
			"suspicious: signed in from 192.0.2.1 (US) 60 minutes after signing in from " +
				"198.51.100.1 (NL): impossible travel",
			"suspicious: signed in from 198.51.100.1 (NL) 30 minutes after signing in from " +
				"192.0.2.1 (US): impossible travel",
		}},
		{"four calls denied", ent(alert.EntityAccessKey, "K4"), []string{
			"unknown: status Active",
			"unknown: owned by arn:aws:iam::111122223333:user/p",
		}},
		{"five calls denied, of an inactive key", ent(alert.EntityAccessKey, "K5"), []string{
			"unknown: already inactive",
			"unknown: owned by arn:aws:iam::111122223333:user/p",
			"suspicious: 5 calls denied (AccessDenied, UnauthorizedOperation): reconnaissance",
		}},
	}
	tn := seedDoc(t, rules)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tn.Describe(context.Background(), tt.of)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, texts(t, f.Evidence)); diff != "" {
				t.Errorf("evidence on %s (-want +got):\n%s", tt.of.Ref(), diff)
			}
		})
	}
}

func TestProcessOriginStopsAfterFiveParents(t *testing.T) {
	tn := seedDoc(t, `{"hosts": [{"id": "h", "name": "h", "processes": [
		{"id": "p7", "name": "p7", "parent": "p6"}, {"id": "p6", "name": "p6", "parent": "p5"},
		{"id": "p5", "name": "p5", "parent": "p4"}, {"id": "p4", "name": "p4", "parent": "p3"},
		{"id": "p3", "name": "p3", "parent": "p2"}, {"id": "p2", "name": "p2", "parent": "p1"},
		{"id": "p1", "name": "p1", "parent": "p7"}]}], "users": []}`)
	f, err := tn.Origin(context.Background(), ent(alert.EntityProcess, "p7"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"parent_process process:p2", "parent_process process:p3",
		"parent_process process:p4", "parent_process process:p5", "parent_process process:p6"}
	if diff := cmp.Diff(want, summary(f)); diff != "" {
		t.Errorf("Origin of p7 (-want +got):\n%s", diff)
	}
}

func TestProcessOriginEndsALoopOfParents(t *testing.T) {
	tn := seedDoc(t, `{"hosts": [{"id": "h", "name": "h", "processes": [
		{"id": "a", "name": "a", "parent": "b"}, {"id": "b", "name": "b", "parent": "a"}]}],
		"users": []}`)
	f, err := tn.Origin(context.Background(), ent(alert.EntityProcess, "a"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"parent_process process:b"}, summary(f)); diff != "" {
		t.Errorf("Origin of a (-want +got):\n%s", diff)
	}
}
