package alert

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestOCSFEpochTimeBySize(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"1741345542", time.Date(2025, 3, 7, 11, 5, 42, 0, time.UTC)},
		{"1741345542.25", time.Date(2025, 3, 7, 11, 5, 42, 250e6, time.UTC)},
		{"1741178112300", time.Date(2025, 3, 5, 12, 35, 12, 300e6, time.UTC)},
		{"99999999999", time.Date(5138, 11, 16, 9, 46, 39, 0, time.UTC)},
		{"100000000000", time.Date(1973, 3, 3, 9, 46, 40, 0, time.UTC)},
		{"253402300799999", time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)},
	}
	for _, tt := range tests {
		got, ok := epochTime(tt.in)
		if !ok || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("epochTime(%s): got %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
	for _, bad := range []string{"0", "-1", "253402300800000", "1e400"} {
		if got, ok := epochTime(bad); ok {
			t.Errorf("epochTime(%s): got %v, want rejected", bad, got)
		}
	}
}

func TestParseOCSFTimePrefersTimeDT(t *testing.T) {
	body := `{"class_uid": 2004, "metadata": {}, "severity_id": 99,
		"finding_info": {"uid": "u1"}, "message": "m",
		"time": 1, "time_dt": "2025-03-07T12:05:42.5+01:00"}`
	alerts, err := Parse([]byte(body), "")
	if err != nil {
		t.Fatal(err)
	}
	a := alerts[0]
	want := time.Date(2025, 3, 7, 11, 5, 42, 500e6, time.UTC)
	if !a.Time.Equal(want) || a.Time.Location() != time.UTC {
		t.Errorf("Time: got %v, want %v", a.Time, want)
	}

	// without a severity label the id stands in; the title falls back
	if a.Severity != "Other" || a.SourceSeverity != "99" || a.Title != "m" {
		t.Errorf("got severity %q, source %q, title %q; want Other, 99, m",
			a.Severity, a.SourceSeverity, a.Title)
	}
}

func TestParseOCSFObservablesAndEvidences(t *testing.T) {
	sha := "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	body := `{"class_uid": 2004, "metadata": {"product": {"vendor_name": "Acme"}},
	"severity_id": 3, "time": 1741178112300, "finding_info": {"uid": "u", "title": "t"},
	"resources": [
		{"type": "AwsEc2Instance", "uid": "arn:aws:ec2:us-east-1:1:instance/i-0abc"},
		{"type": "AwsIamUser", "uid": "arn:aws:iam::1:user/ADoe", "name": "ADoe"},
		{"type": "GitHubRepo", "uid": "acme/app"}],
	"observables": [
		{"type_id": 1, "name": "device.hostname", "value": "web-01.corp.example"},
		{"type_id": 2, "name": "src_endpoint.ip", "value": "::ffff:198.51.100.7"},
		{"type_id": 2, "name": "dst_endpoint.ip", "value": "not an ip"},
		{"type_id": 3, "name": "device.mac", "value": "18:36:F3:98:4F:9A"},
		{"type_id": 4, "name": "actor.user.name", "value": "ADoe"},
		{"type_id": 5, "name": "actor.user.email_addr", "value": "Alex.Doe@Example.com"},
		{"type_id": 5, "name": "email.to", "value": "Jamie.Roe@Example.com"},
		{"type_id": 6, "name": "url.url_string", "value": "HTTP://Evil.Example/x"},
		{"type_id": 7, "name": "file.name", "value": "eicar.com"},
		{"type_id": 8, "name": "file.hashes.value", "value": "SHA256:` + sha + `"},
		{"type_id": 9, "name": "process.name", "value": "curl"},
		{"type_id": 10, "name": "resources.uid", "value": "arn:aws:s3:::b"},
		{"type_id": 99, "value": "whatever"}],
	"evidences": [{
		"device": {"hostname": "web-01", "instance_uid": "i-0abc", "ip": "192.0.2.24"},
		"actor": {"user": {"name": "svc", "uid": "arn:aws:iam::1:role/Svc"}},
		"process": {"name": "sh", "pid": 77, "uid": "p-1", "cmd_line": "sh -c x",
			"file": {"path": "/bin/sh", "hashes": [
				{"algorithm_id": 1, "value": "44d88612fea8a8f36de82e1278abb02f"},
				{"algorithm_id": 3, "value": "` + sha + `"}]}},
		"url": {"url_string": "https://Evil.Example/x"},
		"dst_endpoint": {"ip": "203.0.113.5", "domain": "Evil.Example"}}]}`
	alerts, err := Parse([]byte(body), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := alerts[0].Product; got != "Acme" {
		t.Errorf("Product: got %q, want the vendor Acme", got)
	}
	got := refs(alerts[0].Entities)
	want := []string{
		"host:i-0abc",
		"user:arn:aws:iam::1:user/adoe",
		"cloud_resource:acme/app",
		"host:web-01.corp.example",
		"ip:198.51.100.7",
		"user:adoe",
		"user:alex.doe@example.com",
		"mailbox:jamie.roe@example.com",
		"url:http://evil.example/x",
		"file:" + sha,
		"process:curl",
		"cloud_resource:arn:aws:s3:::b",
		"user:arn:aws:iam::1:role/svc",
		"process:p-1",
		"url:https://evil.example/x",
		"ip:203.0.113.5",
		"domain:evil.example",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
}
