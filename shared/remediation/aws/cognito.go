package aws

import (
	"cmp"
	"context"
	"slices"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/remediation"
	"github.com/firebreak/firebreak/shared/settings"
)

// The attributes by which a user entity says it lives in a Cognito user
// pool: AttrUserPoolID holds the pool's id ("us-east-1_AbCdEf123") and
// AttrUsername the user's name in it; without AttrUsername the entity's
// key is the name.
const (
	AttrUserPoolID = "user_pool_id"
	AttrUsername   = "username"
)

// isCognitoUser reports whether e is a user of a Cognito user pool.
func isCognitoUser(e alert.Entity) bool {
	return e.Type == alert.EntityUser && settings.PoolRegion(e.Attributes[AttrUserPoolID]) != ""
}

// poolUser is a Cognito user and the clients of its pool's account and
// region.
type poolUser struct {
	c          Cognito
	pool, name string
}

func (u poolUser) String() string { return "Cognito user " + u.name + " of pool " + u.pool }

// cognitoUser returns the user r's target names, refusing a pool that is
// not among the configured ones.
func (p *Provider) cognitoUser(ctx context.Context, r remediation.Request) (poolUser, error) {
	pool := r.Target.Attributes[AttrUserPoolID]
	if !slices.Contains(p.opts.Settings.UserPools, pool) {
		return poolUser{}, permanent("user pool %s is not in remediation.aws.user_pools", pool)
	}
	c, err := p.in(ctx, accountOf(r), settings.PoolRegion(pool))
	if err != nil {
		return poolUser{}, err
	}
	return poolUser{c: c.Cognito, pool: pool,
		name: cmp.Or(r.Target.Attributes[AttrUsername], r.Target.Key)}, nil
}

// get returns what Cognito knows of u.
func (u poolUser) get(ctx context.Context) (*cip.AdminGetUserOutput, error) {
	out, err := u.c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: sdk.String(u.pool),
		Username: sdk.String(u.name)})
	return out, fail("cognito-idp:AdminGetUser", err)
}

// resetCognitoPassword makes the user choose a new password at next sign
// in, with a code Cognito sends; a user whose reset is pending is left.
func resetCognitoPassword(
	ctx context.Context, p *Provider, r remediation.Request,
) (remediation.Result, error) {
	u, err := p.cognitoUser(ctx, r)
	if err != nil {
		return remediation.Result{}, err
	}
	got, err := u.get(ctx)
	if err != nil {
		return remediation.Result{}, err
	}
	if got.UserStatus == types.UserStatusTypeResetRequired {
		return remediation.Result{Summary: "the password of " + u.String() + " was " +
			"already reset", Detail: map[string]string{"changed": unchanged}}, nil
	}
	_, err = u.c.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{
		UserPoolId: sdk.String(u.pool), Username: sdk.String(u.name)})
	if err != nil {
		return remediation.Result{}, fail("cognito-idp:AdminResetUserPassword", err)
	}
	return remediation.Result{Summary: "reset the password of " + u.String(),
		Detail: map[string]string{"changed": changed}}, nil
}

// signOutCognitoUser revokes every refresh token of the user. Cognito
// keeps no trace of a sign-out, so a repeat signs out again: it ends only
// sessions begun since.
func signOutCognitoUser(
	ctx context.Context, p *Provider, r remediation.Request,
) (remediation.Result, error) {
	u, err := p.cognitoUser(ctx, r)
	if err != nil {
		return remediation.Result{}, err
	}
	_, err = u.c.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{
		UserPoolId: sdk.String(u.pool), Username: sdk.String(u.name)})
	if err != nil {
		return remediation.Result{}, fail("cognito-idp:AdminUserGlobalSignOut", err)
	}
	return remediation.Result{Summary: "signed " + u.String() + " out everywhere",
		Detail: map[string]string{"changed": changed}}, nil
}

// requireCognitoMFA turns on MFA for the user: SMS when it has a verified
// phone number, else an authenticator app (which it must have set up). A
// user with an MFA factor on is left.
func requireCognitoMFA(
	ctx context.Context, p *Provider, r remediation.Request,
) (remediation.Result, error) {
	u, err := p.cognitoUser(ctx, r)
	if err != nil {
		return remediation.Result{}, err
	}
	got, err := u.get(ctx)
	if err != nil {
		return remediation.Result{}, err
	}
	if len(got.UserMFASettingList) > 0 {
		return remediation.Result{Summary: u.String() + " already had MFA on (" +
				got.UserMFASettingList[0] + ")", Detail: map[string]string{"changed": unchanged}},
			nil
	}
	factor := "SOFTWARE_TOKEN_MFA"
	for _, a := range got.UserAttributes {
		if sdk.ToString(a.Name) == "phone_number_verified" && sdk.ToString(a.Value) == "true" {
			factor = "SMS_MFA"
		}
	}
	if err := setMFA(ctx, u, factor, true); err != nil {
		return remediation.Result{}, err
	}
	return remediation.Result{Summary: "required MFA (" + factor + ") of " + u.String(),
		Detail: map[string]string{"factor": factor, "changed": changed}}, nil
}

// releaseCognitoMFA turns off the factor requireCognitoMFA turned on.
func releaseCognitoMFA(
	ctx context.Context, p *Provider, r remediation.Request, done remediation.Result,
) (remediation.Result, error) {
	u, err := p.cognitoUser(ctx, r)
	if err != nil {
		return remediation.Result{}, err
	}
	factor := done.Detail["factor"]
	if factor == "" {
		return remediation.Result{Summary: "left the MFA of " + u.String() + " on: it was " +
			"on before the action"}, nil
	}
	if err := setMFA(ctx, u, factor, false); err != nil {
		return remediation.Result{}, err
	}
	return remediation.Result{Summary: "turned off MFA (" + factor + ") of " + u.String()}, nil
}

// setMFA turns factor of u on, as preferred, or off.
func setMFA(ctx context.Context, u poolUser, factor string, on bool) error {
	in := &cip.AdminSetUserMFAPreferenceInput{UserPoolId: sdk.String(u.pool),
		Username: sdk.String(u.name)}
	if factor == "SMS_MFA" {
		in.SMSMfaSettings = &types.SMSMfaSettingsType{Enabled: on, PreferredMfa: on}
	} else {
		in.SoftwareTokenMfaSettings = &types.SoftwareTokenMfaSettingsType{Enabled: on,
			PreferredMfa: on}
	}
	_, err := u.c.AdminSetUserMFAPreference(ctx, in)
	return fail("cognito-idp:AdminSetUserMFAPreference", err)
}

// disableCognitoUser disables the user, which also ends its sessions; a
// disabled user is left.
func disableCognitoUser(
	ctx context.Context, p *Provider, r remediation.Request,
) (remediation.Result, error) {
	u, err := p.cognitoUser(ctx, r)
	if err != nil {
		return remediation.Result{}, err
	}
	got, err := u.get(ctx)
	if err != nil {
		return remediation.Result{}, err
	}
	if !got.Enabled {
		return remediation.Result{Summary: u.String() + " was already disabled",
			Detail: map[string]string{"changed": unchanged, "was_enabled": "false"}}, nil
	}
	_, err = u.c.AdminDisableUser(ctx, &cip.AdminDisableUserInput{
		UserPoolId: sdk.String(u.pool), Username: sdk.String(u.name)})
	if err != nil {
		return remediation.Result{}, fail("cognito-idp:AdminDisableUser", err)
	}
	return remediation.Result{Summary: "disabled " + u.String(),
		Detail: map[string]string{"changed": changed, "was_enabled": "true"}}, nil
}

// enableCognitoUser enables the user disableCognitoUser disabled; one that
// was disabled before stays disabled.
func enableCognitoUser(
	ctx context.Context, p *Provider, r remediation.Request, done remediation.Result,
) (remediation.Result, error) {
	u, err := p.cognitoUser(ctx, r)
	if err != nil {
		return remediation.Result{}, err
	}
	if done.Detail["was_enabled"] == "false" {
		return remediation.Result{Summary: "left " + u.String() + " disabled: it was " +
			"disabled before the action"}, nil
	}
	_, err = u.c.AdminEnableUser(ctx, &cip.AdminEnableUserInput{
		UserPoolId: sdk.String(u.pool), Username: sdk.String(u.name)})
	if err != nil {
		return remediation.Result{}, fail("cognito-idp:AdminEnableUser", err)
	}
	return remediation.Result{Summary: "enabled " + u.String()}, nil
}
