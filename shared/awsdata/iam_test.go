package awsdata_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/google/go-cmp/cmp"
)

// The entities of the GuardDuty finding Recon:IAMUser/MaliciousIPCaller,
// as the alert parser gives them.
var (
	alexKey = alert.Entity{Type: alert.EntityAccessKey, Key: "AKIAIOSFODNN7EXAMPLE",
		Attributes: map[string]string{"account_id": "123456789012",
			"user": "arn:aws:iam::123456789012:user/alex.doe", "user_type": "IAMUser"}}
	alex = alert.Entity{Type: alert.EntityUser, Key: "arn:aws:iam::123456789012:user/alex.doe",
		Name: "alex.doe", Attributes: map[string]string{"account_id": "123456789012",
			"arn": "arn:aws:iam::123456789012:user/alex.doe", "user_type": "IAMUser"}}
)

func unknown(source, text string) investigation.Evidence {
	return investigation.Evidence{Verdict: investigation.VerdictUnknown, Source: source,
		Text: text}
}

// iamForm returns the form an IAM call of action sends, with params.
func iamForm(action string, params ...string) url.Values {
	v := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for i := 0; i+1 < len(params); i += 2 {
		v.Set(params[i], params[i+1])
	}
	return v
}

func TestDescribeAccessKeySaysInactiveAndLastUse(t *testing.T) {
	src, fs := newSource(t)
	fs.iam.onFile("ListAccessKeys", 200, "iam/ListAccessKeys.xml")
	fs.iam.onFile("GetAccessKeyLastUsed", 200, "iam/GetAccessKeyLastUsed.xml")

	got, err := src.Describe(context.Background(), alexKey)
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	want := datasource.Finding{Evidence: []investigation.Evidence{
		unknown("iam", "already inactive: access key of IAM user alex.doe, "+
			"created 2024-01-15 (140 days ago)"),
		unknown("iam", "last used 2024-06-03T14:22:00Z with s3 in us-east-1"),
	}, Attributes: map[string]string{"status": "Inactive", "created": "2024-01-15T09:30:00Z",
		"last_used": "2024-06-03T14:22:00Z"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Describe finding (-want +got):\n%s", diff)
	}
	checkForms(t, fs.iam, "ListAccessKeys", iamForm("ListAccessKeys", "UserName", "alex.doe"))
	checkForms(t, fs.iam, "GetAccessKeyLastUsed",
		iamForm("GetAccessKeyLastUsed", "AccessKeyId", "AKIAIOSFODNN7EXAMPLE"))
}

func TestDescribeAccessKeyWithoutOwnerAsksIAMWhose(t *testing.T) {
	src, fs := newSource(t)
	fs.iam.onFile("GetAccessKeyLastUsed", 200, "iam/GetAccessKeyLastUsed.xml")
	fs.iam.onFile("ListAccessKeys", 200, "iam/ListAccessKeys.xml")
	key := alert.Entity{Type: alert.EntityAccessKey, Key: "AKIAI44QH8DHBEXAMPLE"}

	got, err := src.Describe(context.Background(), key)
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	want := []investigation.Evidence{
		unknown("iam", "active access key of IAM user alex.doe, created 2024-05-30 (4 days ago)"),
		unknown("iam", "last used 2024-06-03T14:22:00Z with s3 in us-east-1"),
	}
	if diff := cmp.Diff(want, got.Evidence); diff != "" {
		t.Errorf("Describe evidence (-want +got):\n%s", diff)
	}
	if n := len(fs.iam.calls("GetAccessKeyLastUsed")); n != 1 {
		t.Errorf("GetAccessKeyLastUsed called %d times, want once", n)
	}
}

func TestDescribeDeletedAccessKeySaysSo(t *testing.T) {
	src, fs := newSource(t)
	fs.iam.onFile("ListAccessKeys", 200, "iam/ListAccessKeys.xml")
	key := alexKey
	key.Key = "AKIADELETEDEXAMPLE01"

	got, err := src.Describe(context.Background(), key)
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	want := []investigation.Evidence{
		unknown("iam", "not among the access keys of IAM user alex.doe: deleted")}
	if diff := cmp.Diff(want, got.Evidence); diff != "" {
		t.Errorf("Describe evidence (-want +got):\n%s", diff)
	}
}

func TestDescribeUserWithoutMFAAsAdministrator(t *testing.T) {
	src, fs := newSource(t)
	fs.iam.onFile("GetUser", 200, "iam/GetUser.xml")
	fs.iam.onFile("ListMFADevices", 200, "iam/ListMFADevices-none.xml")
	fs.iam.onFile("ListAttachedUserPolicies", 200, "iam/ListAttachedUserPolicies-admin.xml")
	fs.iam.onFile("ListAccessKeys", 200, "iam/ListAccessKeys.xml")

	got, err := src.Describe(context.Background(), alex)
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	owner := func(status string) map[string]string {
		return map[string]string{"account_id": "123456789012", "status": status,
			"user": "arn:aws:iam::123456789012:user/alex.doe", "user_type": "IAMUser"}
	}
	want := datasource.Finding{
		Evidence: []investigation.Evidence{
			unknown("iam", "IAM user created 2023-03-01 (460 days ago), "+
				"password last used 2024-06-01T08:12:45Z"),
			unknown("iam", "has no MFA device"),
			unknown("iam", "administrator: AdministratorAccess attached"),
		},
		Related: []datasource.Related{
			{Entity: alert.Entity{Type: alert.EntityAccessKey, Key: "AKIAIOSFODNN7EXAMPLE",
				Attributes: owner("Inactive")}, Kind: "owns",
				Evidence: []investigation.Evidence{unknown("iam", "already inactive: "+
					"access key of IAM user alex.doe, created 2024-01-15 (140 days ago)")}},
			{Entity: alert.Entity{Type: alert.EntityAccessKey, Key: "AKIAI44QH8DHBEXAMPLE",
				Attributes: owner("Active")}, Kind: "owns",
				Evidence: []investigation.Evidence{unknown("iam", "active "+
					"access key of IAM user alex.doe, created 2024-05-30 (4 days ago)")}},
		},
		Critical: true,
		Attributes: map[string]string{"mfa": "false", "administrator": "true",
			"created": "2023-03-01T10:00:00Z"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Describe finding (-want +got):\n%s", diff)
	}
	for _, action := range []string{"GetUser", "ListMFADevices", "ListAttachedUserPolicies",
		"ListAccessKeys"} {
		checkForms(t, fs.iam, action, iamForm(action, "UserName", "alex.doe"))
	}
}

// checkForms checks that op was called once, with form want.
func checkForms(t *testing.T, f *fake, op string, want url.Values) {
	t.Helper()
	calls := f.calls(op)
	if len(calls) != 1 {
		t.Fatalf("%s called %d times, want once", op, len(calls))
	}
	if diff := cmp.Diff(want, calls[0].form); diff != "" {
		t.Errorf("%s form (-want +got):\n%s", op, diff)
	}
}
