package aws_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/remediation"
	awsprovider "github.com/firebreak/firebreak/shared/remediation/aws"
)

const iamVersion = "2010-05-08"

var (
	alexKey = alert.Entity{Type: alert.EntityAccessKey, Key: "AKIAIOSFODNN7EXAMPLE",
		Attributes: map[string]string{"account_id": ownAccount,
			"user": "arn:aws:iam::" + ownAccount + ":user/alex.doe"}}
	alexUser = alert.Entity{Type: alert.EntityUser,
		Key: "arn:aws:iam::" + ownAccount + ":user/alex.doe"}
	buildRole = alert.Entity{Type: alert.EntityUser,
		Key: "arn:aws:sts::" + ownAccount + ":assumed-role/build/i-0abc"}
)

// listKeys is ListAccessKeys' answer: alex.doe's key with status.
func listKeys(status string) string {
	return `<ListAccessKeysResponse><ListAccessKeysResult><AccessKeyMetadata><member>` +
		`<UserName>alex.doe</UserName><AccessKeyId>AKIAIOSFODNN7EXAMPLE</AccessKeyId>` +
		`<Status>` + status + `</Status></member></AccessKeyMetadata>` +
		`<IsTruncated>false</IsTruncated></ListAccessKeysResult></ListAccessKeysResponse>`
}

func TestDisableAccessKeyOnceAndUndo(t *testing.T) {
	p, f := newProvider(t)
	r := newRequest(investigation.ActionDisableAccessKey, alexKey)

	// run once: the key was active
	f.on("ListAccessKeys", 200, listKeys("Active"))
	f.on("UpdateAccessKey", 200, iamOK("UpdateAccessKey"))
	res := do(t, p, r)
	checkSummary(t, res, "deactivated access key AKIAIOSFODNN7EXAMPLE of IAM user alex.doe",
		"true")
	checkForm(t, f.calls("ListAccessKeys"), 0, iamVersion, "UserName", "alex.doe")
	checkForm(t, f.calls("UpdateAccessKey"), 0, iamVersion, "UserName", "alex.doe",
		"AccessKeyId", "AKIAIOSFODNN7EXAMPLE", "Status", "Inactive")
	checkOps(t, f, "ListAccessKeys", "UpdateAccessKey")

	// again: the key is inactive, nothing changes
	f.on("ListAccessKeys", 200, listKeys("Inactive"))
	again := do(t, p, r)
	checkSummary(t, again, "access key AKIAIOSFODNN7EXAMPLE of IAM user alex.doe was "+
		"already inactive", "false")
	checkOps(t, f, "ListAccessKeys")

	// undone: active again
	f.on("UpdateAccessKey", 200, iamOK("UpdateAccessKey"))
	undo(t, p, r, res)
	checkForm(t, f.calls("UpdateAccessKey"), 0, iamVersion, "UserName", "alex.doe",
		"AccessKeyId", "AKIAIOSFODNN7EXAMPLE", "Status", "Active")
	checkOps(t, f, "UpdateAccessKey")

	// undoing the run that found it inactive leaves it so
	left := undo(t, p, r, again)
	if !strings.Contains(left.Summary, "left access key") {
		t.Errorf("undo of a no-op: got %q, want it to leave the key", left.Summary)
	}
	checkOps(t, f)
}

func TestDisableAccessKeyWithoutOwnerAsksIAMWhose(t *testing.T) {
	p, f := newProvider(t)
	key := alert.Entity{Type: alert.EntityAccessKey, Key: "AKIAIOSFODNN7EXAMPLE"}
	f.on("GetAccessKeyLastUsed", 200, `<GetAccessKeyLastUsedResponse>`+
		`<GetAccessKeyLastUsedResult><UserName>alex.doe</UserName>`+
		`</GetAccessKeyLastUsedResult></GetAccessKeyLastUsedResponse>`)
	f.on("ListAccessKeys", 200, listKeys("Active"))
	f.on("UpdateAccessKey", 200, iamOK("UpdateAccessKey"))
	do(t, p, newRequest(investigation.ActionDisableAccessKey, key))
	checkForm(t, f.calls("GetAccessKeyLastUsed"), 0, iamVersion,
		"AccessKeyId", "AKIAIOSFODNN7EXAMPLE")
	checkOps(t, f, "GetAccessKeyLastUsed", "ListAccessKeys", "UpdateAccessKey")
}

func TestDisableAccessKeyRefusesATemporaryKey(t *testing.T) {
	p, f := newProvider(t)
	key := alert.Entity{Type: alert.EntityAccessKey, Key: "ASIAIOSFODNN7EXAMPLE"}
	_, err := p.Do(context.Background(), newRequest(investigation.ActionDisableAccessKey, key))
	if !remediation.Permanent(err) || !strings.Contains(err.Error(), "revoke the sessions") {
		t.Errorf("Do: got %v, want a permanent error saying to revoke sessions", err)
	}
	checkOps(t, f)
}

// TestErrorsArePermanentOrTransient checks how each kind of failure of an
// AWS call comes back: refusals permanent with AWS's reason, the rest
// transient.
func TestErrorsArePermanentOrTransient(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		permanent bool
		reason    string
	}{
		{"no such user", 404, iamError("NoSuchEntity", "The user with name alex.doe "+
			"cannot be found."), true, "iam:ListAccessKeys: NoSuchEntity: The user with " +
			"name alex.doe cannot be found."},
		{"access denied", 403, iamError("AccessDenied", "not authorized"), true,
			"iam:ListAccessKeys: AccessDenied: not authorized"},
		{"invalid", 400, iamError("ValidationError", "bad name"), true,
			"iam:ListAccessKeys: ValidationError: bad name"},
		{"throttled", 400, iamError("Throttling", "Rate exceeded"), false, ""},
		{"server error", 500, iamError("ServiceFailure", "try again"), false, ""},
		{"unavailable", 503, "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, f := newProvider(t)
			f.on("ListAccessKeys", tt.status, tt.body)
			_, err := p.Do(context.Background(),
				newRequest(investigation.ActionDisableAccessKey, alexKey))
			if err == nil {
				t.Fatal("Do: got no error")
			}
			if got := remediation.Permanent(err); got != tt.permanent {
				t.Errorf("Permanent(%v): got %v, want %v", err, got, tt.permanent)
			}
			var pe *remediation.PermanentError
			if errors.As(err, &pe) && pe.Reason != tt.reason {
				t.Errorf("reason: got %q, want %q", pe.Reason, tt.reason)
			}
			if len(f.calls("UpdateAccessKey")) != 0 {
				t.Error("the key was updated after a failed look")
			}
		})
	}
}

func TestTimeoutIsTransient(t *testing.T) {
	p, f := newProvider(t)
	f.hang = true
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := p.Do(ctx, newRequest(investigation.ActionDisableAccessKey, alexKey))
	if err == nil || remediation.Permanent(err) {
		t.Errorf("Do: got %v, want a transient error", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Do: got %v, want it to wrap context.DeadlineExceeded", err)
	}
}

// policyDoc returns the URL-encoded policy document IAM answers, as put by
// action act-1.
func policyDoc(sid string) string {
	return url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Sid":"` + sid +
		`","Effect":"Deny","Action":"*","Resource":"*"}]}`)
}

const (
	denyAllDoc = `{"Statement":[{"Action":"*","Effect":"Deny","Resource":"*",` +
		`"Sid":"FirebreakDisableact1"}],"Version":"2012-10-17"}`
	revokeDoc = `{"Statement":[{"Action":"*","Condition":{"DateLessThan":` +
		`{"aws:TokenIssueTime":"2024-06-03T15:00:00Z"}},"Effect":"Deny","Resource":"*",` +
		`"Sid":"FirebreakRevokeact1"}],"Version":"2012-10-17"}`
)

func TestDisableRoleDeniesAllAndRevokesSessionsOnceAndUndo(t *testing.T) {
	p, f := newProvider(t)
	r := newRequest(investigation.ActionDisableUser, buildRole)
	noPolicy := iamError("NoSuchEntity", "The role policy cannot be found.")

	// run once: deny all, and revoke the sessions already issued
	f.on("GetRolePolicy", 404, noPolicy)
	f.on("PutRolePolicy", 200, iamOK("PutRolePolicy"))
	f.on("GetRolePolicy", 404, noPolicy)
	f.on("PutRolePolicy", 200, iamOK("PutRolePolicy"))
	res := do(t, p, r)
	checkSummary(t, res, "attached inline policy FirebreakDenyAll to IAM role build; "+
		"revoked the sessions of IAM role build issued before 2024-06-03T15:00:00Z", "true")
	puts := f.calls("PutRolePolicy")
	checkForm(t, puts, 0, iamVersion, "RoleName", "build", "PolicyName", "FirebreakDenyAll",
		"PolicyDocument", denyAllDoc)
	checkForm(t, puts, 1, iamVersion, "RoleName", "build", "PolicyName",
		"AWSRevokeOlderSessions", "PolicyDocument", revokeDoc)
	checkForm(t, f.calls("GetRolePolicy"), 0, iamVersion, "RoleName", "build",
		"PolicyName", "FirebreakDenyAll")
	checkOps(t, f, "GetRolePolicy", "PutRolePolicy", "GetRolePolicy", "PutRolePolicy")

	// again: both policies are this action's, nothing is put
	f.on("GetRolePolicy", 200, getRolePolicy(policyDoc("FirebreakDisableact1")))
	f.on("GetRolePolicy", 200, getRolePolicy(policyDoc("FirebreakRevokeact1")))
	again := do(t, p, r)
	checkSummary(t, again, "IAM role build already had inline policy FirebreakDenyAll; the "+
		"sessions of IAM role build were already revoked by this action", "false")
	checkOps(t, f, "GetRolePolicy", "GetRolePolicy")

	// undone: the deny-all policy removed
	f.on("DeleteRolePolicy", 200, iamOK("DeleteRolePolicy"))
	undo(t, p, r, again)
	checkForm(t, f.calls("DeleteRolePolicy"), 0, iamVersion, "RoleName", "build",
		"PolicyName", "FirebreakDenyAll")
	checkOps(t, f, "DeleteRolePolicy")
}

func getRolePolicy(doc string) string {
	return `<GetRolePolicyResponse><GetRolePolicyResult><RoleName>build</RoleName>` +
		`<PolicyName>p</PolicyName><PolicyDocument>` + doc + `</PolicyDocument>` +
		`</GetRolePolicyResult></GetRolePolicyResponse>`
}

func TestDisableUserKeepsAnotherActionsPolicyOnUndo(t *testing.T) {
	p, f := newProvider(t)
	r := newRequest(investigation.ActionDisableUser, alexUser)
	f.on("GetUserPolicy", 200, `<GetUserPolicyResponse><GetUserPolicyResult>`+
		`<PolicyDocument>`+policyDoc("FirebreakDisableact0")+`</PolicyDocument>`+
		`</GetUserPolicyResult></GetUserPolicyResponse>`)
	res := do(t, p, r)
	checkSummary(t, res, "IAM user alex.doe already had inline policy FirebreakDenyAll",
		"false")
	checkOps(t, f, "GetUserPolicy")
	undo(t, p, r, res)
	checkOps(t, f)
}

func TestDisableIAMUserOnceAndUndo(t *testing.T) {
	p, f := newProvider(t)
	r := newRequest(investigation.ActionDisableUser, alexUser)
	f.on("GetUserPolicy", 404, iamError("NoSuchEntity", "none"))
	f.on("PutUserPolicy", 200, iamOK("PutUserPolicy"))
	res := do(t, p, r)
	checkSummary(t, res, "attached inline policy FirebreakDenyAll to IAM user alex.doe", "true")
	checkForm(t, f.calls("PutUserPolicy"), 0, iamVersion, "UserName", "alex.doe",
		"PolicyName", "FirebreakDenyAll", "PolicyDocument", denyAllDoc)
	checkOps(t, f, "GetUserPolicy", "PutUserPolicy")

	f.on("DeleteUserPolicy", 404, iamError("NoSuchEntity", "gone"))
	got := undo(t, p, r, res)
	checkSummary(t, got, "IAM user alex.doe no longer had inline policy FirebreakDenyAll", "")
	checkForm(t, f.calls("DeleteUserPolicy"), 0, iamVersion, "UserName", "alex.doe",
		"PolicyName", "FirebreakDenyAll")
}

func TestRevokeSessionsOfARoleOnce(t *testing.T) {
	p, f := newProvider(t)
	role := alert.Entity{Type: alert.EntityUser, Key: "arn:aws:iam::" + ownAccount +
		":role/build"}
	r := newRequest(investigation.ActionRevokeSessions, role)

	// a policy of an earlier revocation is replaced with this one's
	f.on("GetRolePolicy", 200, getRolePolicy(policyDoc("FirebreakRevokeact0")))
	f.on("PutRolePolicy", 200, iamOK("PutRolePolicy"))
	res := do(t, p, r)
	checkSummary(t, res, "revoked the sessions of IAM role build issued before "+
		"2024-06-03T15:00:00Z", "true")
	checkForm(t, f.calls("PutRolePolicy"), 0, iamVersion, "RoleName", "build", "PolicyName",
		"AWSRevokeOlderSessions", "PolicyDocument", revokeDoc)
	checkOps(t, f, "GetRolePolicy", "PutRolePolicy")

	// again: this action's revocation stands
	f.on("GetRolePolicy", 200, getRolePolicy(policyDoc("FirebreakRevokeact1")))
	do(t, p, r)
	checkOps(t, f, "GetRolePolicy")

	// not reversible
	if _, err := p.Undo(context.Background(), r, res); !remediation.Permanent(err) {
		t.Errorf("Undo: got %v, want a permanent error", err)
	}
}

func TestRefusesToDisableItsOwnRole(t *testing.T) {
	p, f := newProvider(t)
	own := alert.Entity{Type: alert.EntityUser, Key: "arn:aws:iam::" + memberAccount +
		":role/FirebreakRemediation"}
	_, err := p.Do(context.Background(), newRequest(investigation.ActionDisableUser, own))
	if !remediation.Permanent(err) {
		t.Errorf("Do: got %v, want a permanent error", err)
	}
	checkOps(t, f)
}

func TestAssumesTheRemediationRoleInAnotherAccount(t *testing.T) {
	p, f := newProvider(t)
	key := alert.Entity{Type: alert.EntityAccessKey, Key: "AKIAIOSFODNN7EXAMPLE",
		Attributes: map[string]string{"user": "arn:aws:iam::" + memberAccount +
			":user/alex.doe"}}
	r := newRequest(investigation.ActionDisableAccessKey, key)
	r.Account, r.Region = memberAccount, "eu-west-1"
	f.on("AssumeRole", 200, `<AssumeRoleResponse><AssumeRoleResult><Credentials>`+
		`<AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>s</SecretAccessKey>`+
		`<SessionToken>token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>`+
		`</Credentials><AssumedRoleUser><Arn>arn:aws:sts::`+memberAccount+
		`:assumed-role/FirebreakRemediation/firebreak-remediation</Arn>`+
		`<AssumedRoleId>AROA:firebreak-remediation</AssumedRoleId></AssumedRoleUser>`+
		`</AssumeRoleResult></AssumeRoleResponse>`)
	f.on("ListAccessKeys", 200, listKeys("Active"))
	f.on("UpdateAccessKey", 200, iamOK("UpdateAccessKey"))
	f.on("ListAccessKeys", 200, listKeys("Inactive"))

	do(t, p, r)
	do(t, p, r)
	checkForm(t, f.calls("AssumeRole"), 0, "2011-06-15", "RoleArn",
		"arn:aws:iam::"+memberAccount+":role/FirebreakRemediation",
		"RoleSessionName", "firebreak-remediation", "DurationSeconds", "900")
	if got := f.calls("AssumeRole")[0].accessKey(); got != "AKIDMAIN" {
		t.Errorf("AssumeRole signed with %q, want the provider's own AKIDMAIN", got)
	}
	for _, c := range append(f.calls("ListAccessKeys"), f.calls("UpdateAccessKey")...) {
		if got := c.accessKey(); got != "ASIAASSUMED" {
			t.Errorf("%s signed with %q, want the assumed role's ASIAASSUMED", c.op, got)
		}
	}
	checkOps(t, f, "AssumeRole", "ListAccessKeys", "UpdateAccessKey", "ListAccessKeys")
}

func TestOwnAccountUsesItsOwnCredentials(t *testing.T) {
	p, f := newProvider(t)
	f.on("ListAccessKeys", 200, listKeys("Inactive"))
	do(t, p, newRequest(investigation.ActionDisableAccessKey, alexKey))
	if got := f.calls("ListAccessKeys")[0].accessKey(); got != "AKIDMAIN" {
		t.Errorf("ListAccessKeys signed with %q, want AKIDMAIN", got)
	}
	checkOps(t, f, "ListAccessKeys")
}

func TestWithoutAnAccountAsksSTSWhoseCredentialsOnce(t *testing.T) {
	f := newFake(t)
	cfg := sdk.Config{Region: "us-east-1", RetryMaxAttempts: 1, BaseEndpoint: sdk.String(f.url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDMAIN", "secret", "")}
	p := awsprovider.New(cfg, awsprovider.Options{Region: "us-east-1",
		RoleName: "FirebreakRemediation"})
	f.on("GetCallerIdentity", 200, `<GetCallerIdentityResponse><GetCallerIdentityResult>`+
		`<Account>`+ownAccount+`</Account></GetCallerIdentityResult>`+
		`</GetCallerIdentityResponse>`)
	f.on("ListAccessKeys", 200, listKeys("Inactive"))
	f.on("ListAccessKeys", 200, listKeys("Inactive"))
	do(t, p, newRequest(investigation.ActionDisableAccessKey, alexKey))
	do(t, p, newRequest(investigation.ActionDisableAccessKey, alexKey))
	for _, c := range f.calls("ListAccessKeys") {
		if got := c.accessKey(); got != "AKIDMAIN" {
			t.Errorf("ListAccessKeys in its own account signed with %q, want AKIDMAIN", got)
		}
	}
	checkOps(t, f, "GetCallerIdentity", "ListAccessKeys", "ListAccessKeys")
}

func TestDisableRoleAfterACrashRevokesOnlyWhatWasLeft(t *testing.T) {
	p, f := newProvider(t)
	r := newRequest(investigation.ActionDisableUser, buildRole)
	f.on("GetRolePolicy", 200, getRolePolicy(policyDoc("FirebreakDisableact1")))
	f.on("GetRolePolicy", 404, iamError("NoSuchEntity", "none"))
	f.on("PutRolePolicy", 200, iamOK("PutRolePolicy"))
	res := do(t, p, r)
	checkSummary(t, res, "IAM role build already had inline policy FirebreakDenyAll; "+
		"revoked the sessions of IAM role build issued before 2024-06-03T15:00:00Z", "true")
	checkForm(t, f.calls("PutRolePolicy"), 0, iamVersion, "RoleName", "build", "PolicyName",
		"AWSRevokeOlderSessions", "PolicyDocument", revokeDoc)
	checkOps(t, f, "GetRolePolicy", "GetRolePolicy", "PutRolePolicy")
}
