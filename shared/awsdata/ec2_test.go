package awsdata_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/google/go-cmp/cmp"
)

// appServer is the host of the Security Hub control EC2.8, as the alert
// parser gives it.
var appServer = alert.Entity{Type: alert.EntityHost, Key: "i-0c5d7e9f1a3b5c7d9",
	Attributes: map[string]string{"account_id": "123456789012", "region": "us-east-1",
		"arn":                  "arn:aws:ec2:us-east-1:123456789012:instance/i-0c5d7e9f1a3b5c7d9",
		"instance_profile_arn": "arn:aws:iam::123456789012:instance-profile/app-server-profile"}}

var describeAppServer = url.Values{"Action": {"DescribeInstances"},
	"InstanceId.1": {"i-0c5d7e9f1a3b5c7d9"}, "Version": {"2016-11-15"}}

func TestDescribeHostSummarisesInstance(t *testing.T) {
	src, fs := newSource(t)
	fs.ec2.onFile("DescribeInstances", 200, "ec2/DescribeInstances.xml")

	got, err := src.Describe(context.Background(), appServer)
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	want := datasource.Finding{
		Evidence: []investigation.Evidence{unknown("ec2", "running t3.medium instance in "+
			"vpc-0f1e2d3c4b5a69788, public IP 54.210.16.8; security groups "+
			"sg-0123456789abcdef0 (app-server), sg-0fedcba9876543210 (ssh-admin); "+
			"instance profile app-server-profile; tags Criticality=High, Name=app-server-1")},
		Critical: true,
		Attributes: map[string]string{
			"state":                "running",
			"instance_type":        "t3.medium",
			"vpc_id":               "vpc-0f1e2d3c4b5a69788",
			"subnet_id":            "subnet-0a1b2c3d4e5f60718",
			"security_groups":      "sg-0123456789abcdef0\nsg-0fedcba9876543210",
			"instance_profile_arn": appServer.Attributes["instance_profile_arn"],
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Describe finding (-want +got):\n%s", diff)
	}
	checkForms(t, fs.ec2, "DescribeInstances", describeAppServer)
}

func TestDescribeHostCriticalFromTags(t *testing.T) {
	tests := []struct {
		tags string // key=value pairs, comma-separated
		want bool
	}{
		{"firebreak:critical=true", true},
		{"firebreak:critical=TRUE", true},
		{"firebreak:critical=false", false},
		{"Criticality=critical", true},
		{"Criticality=high", true},
		{"Criticality=medium", false},
		{"Name=critical", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.tags, func(t *testing.T) {
			src, fs := newSource(t)
			fs.ec2.on("DescribeInstances", 200, instanceXML(tt.tags))

			got, err := src.Describe(context.Background(), appServer)
			if err != nil {
				t.Fatalf("Describe: %v", err)
			}
			if got.Critical != tt.want {
				t.Errorf("Critical = %v, want %v", got.Critical, tt.want)
			}
		})
	}
}

func TestHostAffectedRunsAsProfileRole(t *testing.T) {
	src, fs := newSource(t)
	fs.ec2.onFile("DescribeInstances", 200, "ec2/DescribeInstances.xml")
	fs.iam.onFile("GetInstanceProfile", 200, "iam/GetInstanceProfile.xml")

	got, err := src.Affected(context.Background(), appServer)
	if err != nil {
		t.Fatalf("Affected: %v", err)
	}
	role := "arn:aws:iam::123456789012:role/service/App-Server-Role"
	want := datasource.Finding{Related: []datasource.Related{{
		Entity: alert.Entity{Type: alert.EntityUser, Key: strings.ToLower(role),
			Name: "App-Server-Role", Attributes: map[string]string{
				"account_id": "123456789012", "arn": role, "user_type": "Role"}},
		Kind: "runs_as",
	}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Affected finding (-want +got):\n%s", diff)
	}
	checkForms(t, fs.iam, "GetInstanceProfile",
		iamForm("GetInstanceProfile", "InstanceProfileName", "app-server-profile"))
}

// instanceXML returns a DescribeInstances answer of one instance,
// appServer, tagged with tags ("k=v,k=v").
func instanceXML(tags string) string {
	var items strings.Builder
	for kv := range strings.SplitSeq(tags, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			fmt.Fprintf(&items, "<item><key>%s</key><value>%s</value></item>", k, v)
		}
	}
	return `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet><item>
    <reservationId>r-0a1b2c3d4e5f60718</reservationId>
    <ownerId>123456789012</ownerId>
    <instancesSet><item>
      <instanceId>i-0c5d7e9f1a3b5c7d9</instanceId>
      <instanceState><code>80</code><name>stopped</name></instanceState>
      <instanceType>t3.micro</instanceType>
      <tagSet>` + items.String() + `</tagSet>
    </item></instancesSet>
  </item></reservationSet>
</DescribeInstancesResponse>`
}
