package aws_test

import (
	"testing"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/remediation"
)

// jamie is a user of a Cognito user pool, as an entity names one.
var jamie = alert.Entity{Type: alert.EntityUser, Key: "jamie.roe@example.com",
	Attributes: map[string]string{"user_pool_id": "us-east-1_AbCdEf123", "username": "jamie"}}

const poolUser = `{"UserPoolId":"us-east-1_AbCdEf123","Username":"jamie"}`

func isPermanent(err error) bool { return remediation.Permanent(err) }

func TestCognitoDisableUserOnceAndUndo(t *testing.T) {
	p, f := newProvider(t)
	r := newRequest(investigation.ActionDisableUser, jamie)
	f.on("AdminGetUser", 200, `{"Username":"jamie","Enabled":true,"UserStatus":"CONFIRMED"}`)
	f.on("AdminDisableUser", 200, `{}`)
	res := do(t, p, r)
	checkSummary(t, res, "disabled Cognito user jamie of pool us-east-1_AbCdEf123", "true")
	checkJSON(t, f.calls("AdminGetUser"), 0, poolUser)
	checkJSON(t, f.calls("AdminDisableUser"), 0, poolUser)
	checkOps(t, f, "AdminGetUser", "AdminDisableUser")

	f.on("AdminGetUser", 200, `{"Username":"jamie","Enabled":false}`)
	again := do(t, p, r)
	checkSummary(t, again, "Cognito user jamie of pool us-east-1_AbCdEf123 was already "+
		"disabled", "false")
	checkOps(t, f, "AdminGetUser")

	f.on("AdminEnableUser", 200, `{}`)
	undo(t, p, r, res)
	checkJSON(t, f.calls("AdminEnableUser"), 0, poolUser)
	checkOps(t, f, "AdminEnableUser")
}

func TestCognitoResetPasswordOnce(t *testing.T) {
	p, f := newProvider(t)
	r := newRequest(investigation.ActionResetPassword, jamie)
	f.on("AdminGetUser", 200, `{"Username":"jamie","Enabled":true,"UserStatus":"CONFIRMED"}`)
	f.on("AdminResetUserPassword", 200, `{}`)
	do(t, p, r)
	checkJSON(t, f.calls("AdminResetUserPassword"), 0, poolUser)
	checkOps(t, f, "AdminGetUser", "AdminResetUserPassword")

	f.on("AdminGetUser", 200, `{"Username":"jamie","UserStatus":"RESET_REQUIRED"}`)
	res := do(t, p, r)
	checkSummary(t, res, "the password of Cognito user jamie of pool us-east-1_AbCdEf123 "+
		"was already reset", "false")
	checkOps(t, f, "AdminGetUser")
}

func TestCognitoRequireMFAOnceAndUndo(t *testing.T) {
	p, f := newProvider(t)
	r := newRequest(investigation.ActionRequireMFA, jamie)
	f.on("AdminGetUser", 200, `{"Username":"jamie","UserAttributes":[`+
		`{"Name":"phone_number_verified","Value":"true"}]}`)
	f.on("AdminSetUserMFAPreference", 200, `{}`)
	res := do(t, p, r)
	checkSummary(t, res, "required MFA (SMS_MFA) of Cognito user jamie of pool "+
		"us-east-1_AbCdEf123", "true")
	checkJSON(t, f.calls("AdminSetUserMFAPreference"), 0, `{"UserPoolId":"us-east-1_AbCdEf123",`+
		`"Username":"jamie","SMSMfaSettings":{"Enabled":true,"PreferredMfa":true}}`)
	checkOps(t, f, "AdminGetUser", "AdminSetUserMFAPreference")

	f.on("AdminGetUser", 200, `{"Username":"jamie","UserMFASettingList":["SMS_MFA"]}`)
	again := do(t, p, r)
	checkSummary(t, again, "Cognito user jamie of pool us-east-1_AbCdEf123 already had MFA "+
		"on (SMS_MFA)", "false")
	checkOps(t, f, "AdminGetUser")

	f.on("AdminSetUserMFAPreference", 200, `{}`)
	undo(t, p, r, res)
	// the SDK leaves out false, Cognito's default: an empty setting turns SMS off
	checkJSON(t, f.calls("AdminSetUserMFAPreference"), 0, `{"UserPoolId":"us-east-1_AbCdEf123",`+
		`"Username":"jamie","SMSMfaSettings":{}}`)
	checkOps(t, f, "AdminSetUserMFAPreference")
}

func TestCognitoSignOut(t *testing.T) {
	p, f := newProvider(t)
	f.on("AdminUserGlobalSignOut", 200, `{}`)
	do(t, p, newRequest(investigation.ActionRevokeSessions, jamie))
	checkJSON(t, f.calls("AdminUserGlobalSignOut"), 0, poolUser)
}

func TestCognitoUserOfAnUnlistedPoolIsRefused(t *testing.T) {
	p, f := newProvider(t)
	other := alert.Entity{Type: alert.EntityUser, Key: "x",
		Attributes: map[string]string{"user_pool_id": "eu-west-1_Other1"}}
	_, err := p.Do(t.Context(), newRequest(investigation.ActionDisableUser, other))
	if !isPermanent(err) {
		t.Errorf("Do: got %v, want a permanent error", err)
	}
	checkOps(t, f)
}

func TestCognitoUnknownUserIsPermanent(t *testing.T) {
	p, f := newProvider(t)
	f.on("AdminGetUser", 400, jsonError("UserNotFoundException", "User does not exist."))
	_, err := p.Do(t.Context(), newRequest(investigation.ActionDisableUser, jamie))
	want := "aws: cognito-idp:AdminGetUser: UserNotFoundException: User does not exist."
	if !isPermanent(err) || err.Error() != want {
		t.Errorf("Do: got %v, want permanent %q", err, want)
	}
}

func TestCognitoThrottledIsTransient(t *testing.T) {
	p, f := newProvider(t)
	f.on("AdminGetUser", 400, jsonError("TooManyRequestsException", "slow down"))
	_, err := p.Do(t.Context(), newRequest(investigation.ActionDisableUser, jamie))
	if err == nil || isPermanent(err) {
		t.Errorf("Do: got %v, want a transient error", err)
	}
}

func TestDryRunCallsNothing(t *testing.T) {
	p, f := newProvider(t)
	r := newRequest(investigation.ActionDisableUser, jamie)
	r.DryRun = true
	res := do(t, p, r)
	checkSummary(t, res, "dry run: would disable_user user:jamie.roe@example.com", "")
	checkOps(t, f)
}
