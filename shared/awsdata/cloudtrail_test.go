package awsdata_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/awsdata"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/google/go-cmp/cmp"
)

const (
	// lookupTarget is the X-Amz-Target the SDK's Smithy model sends; AWS's
	// API reference and older SDKs send the same operation as
	// "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents".
	lookupTarget = "CloudTrail_20131101.LookupEvents"
	alexARN      = "arn:aws:iam::123456789012:user/alex.doe"
	cli          = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64.kali.2024"
	// the window of every test: 2024-06-02T15:00:00Z to 2024-06-03T15:00:00Z
	window = `"EndTime":1717426800,`
	start  = `"StartTime":1717340400`
)

// alexCalls are two pages of calls made with alex.doe's key: a scan from
// 198.51.100.77, mostly denied, and calls from 203.0.113.9, one of which
// S3 made on the key's behalf.
func alexCalls(t *testing.T) (page1, page2 string) {
	scan := trailEvent{name: "ListBuckets", ip: "198.51.100.77", principal: alexARN,
		key: alexKey.Key, agent: cli}
	denied := scan
	denied.name, denied.errorCode = "GetBucketPolicy", "AccessDenied"
	denied.resources = []string{"AWS::S3::Bucket", "example-finance-reports"}
	page1 = lookupPage(t, "token-2", scan, denied, denied, denied, denied, denied)

	byS3 := trailEvent{name: "GetBucketLocation", ip: "s3.amazonaws.com",
		principal: alexARN, key: alexKey.Key, agent: "s3.amazonaws.com"}
	describe := trailEvent{name: "DescribeInstances", ip: "203.0.113.9", principal: alexARN,
		key: alexKey.Key, agent: "Boto3/1.34.0",
		resources: []string{"AWS::EC2::Instance", "i-0c5d7e9f1a3b5c7d9"}}
	role := trailEvent{name: "GetRole", ip: "::ffff:203.0.113.9", principal: alexARN,
		key: alexKey.Key, agent: "Boto3/1.34.0", resources: []string{"AWS::IAM::Role",
			"arn:aws:iam::123456789012:role/Admin"}}
	return page1, lookupPage(t, "", byS3, describe, role)
}

func TestKeyOriginPagesThroughCalls(t *testing.T) {
	src, fs := newSource(t)
	page1, page2 := alexCalls(t)
	fs.cloudTrail.on("LookupEvents", 200, page1)
	fs.cloudTrail.on("LookupEvents", 200, page2)

	got, err := src.Origin(context.Background(), alexKey)
	if err != nil {
		t.Fatalf("Origin: %v", err)
	}

	// what was asked
	byKey := `"LookupAttributes":[{"AttributeKey":"AccessKeyId",` +
		`"AttributeValue":"AKIAIOSFODNN7EXAMPLE"}],"MaxResults":50,`
	checkLookups(t, fs.cloudTrail, "{"+window+byKey+start+"}",
		"{"+window+byKey+`"NextToken":"token-2",`+start+"}")

	// what was found
	want := datasource.Finding{
		Evidence: []investigation.Evidence{
			unknown("cloudtrail", "9 API calls from 2 IPs in the last 24h, including "+
				"GetBucketPolicy, DescribeInstances, GetBucketLocation"),
			{Verdict: investigation.VerdictSuspicious, Source: "cloudtrail",
				Text: "5 calls denied: reconnaissance"},
		},
		Related: []datasource.Related{
			{Entity: alert.Entity{Type: alert.EntityIP, Key: "198.51.100.77"},
				Kind: "called_from", Evidence: []investigation.Evidence{unknown("cloudtrail",
					fmt.Sprintf("6 API calls in the last 24h, user agent %q", cli))}},
			{Entity: alert.Entity{Type: alert.EntityIP, Key: "203.0.113.9"},
				Kind: "called_from", Evidence: []investigation.Evidence{unknown("cloudtrail",
					`2 API calls in the last 24h, user agent "Boto3/1.34.0"`)}},
			{Entity: alert.Entity{Type: alert.EntityUser, Key: alexARN, Name: "alex.doe",
				Attributes: map[string]string{"account_id": "123456789012", "arn": alexARN,
					"user_type": "IAMUser"}}, Kind: "owned_by"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Origin finding (-want +got):\n%s", diff)
	}
}

func TestKeyOriginStopsAtPageCap(t *testing.T) {
	src, fs := newSource(t, awsdata.WithMaxPages(2))
	call := trailEvent{name: "ListBuckets", ip: "198.51.100.77", principal: alexARN,
		key: alexKey.Key}
	for range 3 {
		fs.cloudTrail.on("LookupEvents", 200, lookupPage(t, "more", call, call))
	}

	got, err := src.Origin(context.Background(), alexKey)
	if err != nil {
		t.Fatalf("Origin: %v", err)
	}
	if n := len(fs.cloudTrail.calls("LookupEvents")); n != 2 {
		t.Errorf("LookupEvents called %d times, want 2", n)
	}
	want := "at least 4 API calls from 1 IP in the last 24h, including ListBuckets"
	if len(got.Evidence) == 0 || got.Evidence[0].Text != want {
		t.Errorf("Origin evidence = %v, want %q first", got.Evidence, want)
	}
}

func TestKeyAffectedRelatesResources(t *testing.T) {
	src, fs := newSource(t)
	page1, page2 := alexCalls(t)
	fs.cloudTrail.on("LookupEvents", 200, page1)
	fs.cloudTrail.on("LookupEvents", 200, page2)

	got, err := src.Affected(context.Background(), alexKey)
	if err != nil {
		t.Fatalf("Affected: %v", err)
	}
	role := "arn:aws:iam::123456789012:role/Admin"
	want := datasource.Finding{Related: []datasource.Related{
		{Entity: alert.Entity{Type: alert.EntityCloudResource,
			Key: "arn:aws:s3:::example-finance-reports", Name: "example-finance-reports"},
			Kind: "accessed"},
		{Entity: alert.Entity{Type: alert.EntityHost, Key: "i-0c5d7e9f1a3b5c7d9"},
			Kind: "accessed"},
		{Entity: alert.Entity{Type: alert.EntityUser, Key: "arn:aws:iam::123456789012:role/admin",
			Name: "Admin", Attributes: map[string]string{"account_id": "123456789012",
				"arn": role, "user_type": "Role"}}, Kind: "accessed"},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Affected finding (-want +got):\n%s", diff)
	}
}

func TestKeyHuntFindsOtherKeysOfPrincipal(t *testing.T) {
	src, fs := newSource(t)
	self := trailEvent{name: "ListBuckets", ip: "198.51.100.77", principal: alexARN,
		key: alexKey.Key}
	other := trailEvent{name: "GetCallerIdentity", ip: "198.51.100.77", principal: alexARN,
		key: "ASIAEXAMPLESESSION01"}
	// a role session named like the user is someone else
	namesake := trailEvent{name: "ListBuckets", ip: "192.0.2.10", key: "ASIAEXAMPLENAMESAKE1",
		principal: "arn:aws:sts::123456789012:assumed-role/ci/alex.doe"}
	fs.cloudTrail.on("LookupEvents", 200, lookupPage(t, "", self, other, other, namesake))

	got, err := src.Hunt(context.Background(), alexKey)
	if err != nil {
		t.Fatalf("Hunt: %v", err)
	}
	checkLookups(t, fs.cloudTrail, "{"+window+`"LookupAttributes":[{"AttributeKey":`+
		`"Username","AttributeValue":"alex.doe"}],"MaxResults":50,`+start+"}")
	want := datasource.Finding{Related: []datasource.Related{{
		Entity: alert.Entity{Type: alert.EntityAccessKey, Key: "ASIAEXAMPLESESSION01",
			Attributes: map[string]string{"account_id": "123456789012", "user": alexARN,
				"user_type": "IAMUser"}},
		Kind: "same_principal",
		Evidence: []investigation.Evidence{
			unknown("cloudtrail", "2 API calls by alex.doe in the last 24h")},
	}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Hunt finding (-want +got):\n%s", diff)
	}
}

func TestUserOriginRelatesSignInIPs(t *testing.T) {
	src, fs := newSource(t)
	signIn := trailEvent{name: "ConsoleLogin", ip: "198.51.100.77", principal: alexARN,
		agent: "Mozilla/5.0"}
	call := trailEvent{name: "ListUsers", ip: "198.51.100.77", principal: alexARN,
		agent: "Mozilla/5.0"}
	fs.cloudTrail.on("LookupEvents", 200, lookupPage(t, "", signIn, call))

	got, err := src.Origin(context.Background(), alex)
	if err != nil {
		t.Fatalf("Origin: %v", err)
	}
	var kinds []string
	for _, r := range got.Related {
		kinds = append(kinds, r.Entity.Ref()+" "+r.Kind)
	}
	want := []string{"ip:198.51.100.77 signed_in_from", "ip:198.51.100.77 called_from"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("Origin related (-want +got):\n%s", diff)
	}
}

// checkLookups checks the LookupEvents calls made of f: each one's target
// and, in order, its body.
func checkLookups(t *testing.T, f *fake, bodies ...string) {
	t.Helper()
	calls := f.calls("LookupEvents")
	if len(calls) != len(bodies) {
		t.Fatalf("LookupEvents called %d times, want %d", len(calls), len(bodies))
	}
	for i, c := range calls {
		if got := c.header.Get("X-Amz-Target"); got != lookupTarget {
			t.Errorf("call %d: X-Amz-Target = %q, want %q", i+1, got, lookupTarget)
		}
		if c.body != bodies[i] {
			t.Errorf("call %d: body\n got %s\nwant %s", i+1, c.body, bodies[i])
		}
	}
}
