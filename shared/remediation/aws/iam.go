package aws

import (
	"cmp"
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/remediation"
)

// The inline policies the provider puts on principals. DenyAllPolicy
// denies a user or role everything; RevokeSessionsPolicy is the one the
// IAM console's "Revoke active sessions" writes, denying everything to
// sessions issued before a time.
const (
	DenyAllPolicy        = "FirebreakDenyAll"
	RevokeSessionsPolicy = "AWSRevokeOlderSessions"
)

// principal is an IAM user or role named by an entity.
type principal struct {
	account string
	role    bool // a role, or a session of one; else a user
	name    string
}

// principalOf returns the IAM user or role a user entity names by its key
// or arn attribute (a role session names its role), or false.
func principalOf(e alert.Entity) (principal, bool) {
	for _, s := range []string{e.Attributes["arn"], e.Key} {
		a, err := arn.Parse(s)
		if err != nil || (a.Service != "iam" && a.Service != "sts") {
			continue
		}
		parts := strings.Split(a.Resource, "/")
		switch {
		case parts[0] == "user" && len(parts) >= 2:
			return principal{a.AccountID, false, parts[len(parts)-1]}, true
		case parts[0] == "role" && len(parts) >= 2:
			return principal{a.AccountID, true, parts[len(parts)-1]}, true
		case parts[0] == "assumed-role" && len(parts) == 3:
			return principal{a.AccountID, true, parts[1]}, true
		}
	}
	return principal{}, false
}

func (pr principal) String() string {
	if pr.role {
		return "IAM role " + pr.name
	}
	return "IAM user " + pr.name
}

// disableAccessKey deactivates an IAM user's access key. A temporary key
// (ASIA…) cannot be: its role's sessions are revoked instead.
func disableAccessKey(
	ctx context.Context, p *Provider, r remediation.Request,
) (remediation.Result, error) {
	key := r.Target.Key
	if !strings.HasPrefix(key, "AKIA") {
		return remediation.Result{}, permanent("access key %s is not an IAM user's "+
			"long-term key (AKIA…); revoke the sessions of the role that issued it", key)
	}
	c, err := p.in(ctx, accountOf(r), "")
	if err != nil {
		return remediation.Result{}, err
	}

	// the user that owns the key, and the key's status
	user, err := keyOwner(ctx, c.IAM, r.Target)
	if err != nil {
		return remediation.Result{}, err
	}
	status, err := keyStatus(ctx, c.IAM, user, key)
	if err != nil {
		return remediation.Result{}, err
	}
	detail := map[string]string{"user": user, "access_key_id": key,
		"previous_status": string(status), "changed": unchanged}
	if status == types.StatusTypeInactive {
		return remediation.Result{Summary: "access key " + key + " of IAM user " + user +
			" was already inactive", Detail: detail}, nil
	}

	// deactivate it
	if err := updateKey(ctx, c.IAM, user, key, types.StatusTypeInactive); err != nil {
		return remediation.Result{}, err
	}
	detail["changed"] = changed
	return remediation.Result{Summary: "deactivated access key " + key + " of IAM user " +
		user, Detail: detail}, nil
}

// enableAccessKey reactivates the key disableAccessKey deactivated; a key
// that was inactive before stays inactive.
func enableAccessKey(
	ctx context.Context, p *Provider, r remediation.Request, done remediation.Result,
) (remediation.Result, error) {
	user, key := done.Detail["user"], done.Detail["access_key_id"]
	if done.Detail["previous_status"] == string(types.StatusTypeInactive) {
		return remediation.Result{Summary: "left access key " + key + " inactive: it " +
			"was inactive before the action"}, nil
	}
	if user == "" || key == "" {
		return remediation.Result{}, permanent("the action's result names no access key")
	}
	c, err := p.in(ctx, accountOf(r), "")
	if err != nil {
		return remediation.Result{}, err
	}
	if err := updateKey(ctx, c.IAM, user, key, types.StatusTypeActive); err != nil {
		return remediation.Result{}, err
	}
	return remediation.Result{Summary: "reactivated access key " + key + " of IAM user " +
		user}, nil
}

// keyOwner returns the name of the IAM user that owns key: from the
// entity's user attribute, else as IAM says.
func keyOwner(ctx context.Context, c IAM, key alert.Entity) (string, error) {
	if pr, ok := principalOf(alert.Entity{Key: key.Attributes["user"]}); ok && !pr.role {
		return pr.name, nil
	}
	out, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{
		AccessKeyId: sdk.String(key.Key)})
	if err != nil {
		return "", fail("iam:GetAccessKeyLastUsed", err)
	}
	if sdk.ToString(out.UserName) == "" {
		return "", permanent("IAM names no user owning access key %s", key.Key)
	}
	return sdk.ToString(out.UserName), nil
}

// keyStatus returns the status of user's access key key.
func keyStatus(ctx context.Context, c IAM, user, key string) (types.StatusType, error) {
	out, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: sdk.String(user)})
	if err != nil {
		return "", fail("iam:ListAccessKeys", err)
	}
	for _, k := range out.AccessKeyMetadata {
		if sdk.ToString(k.AccessKeyId) == key {
			return k.Status, nil
		}
	}
	return "", permanent("access key %s is not among the keys of IAM user %s", key, user)
}

func updateKey(ctx context.Context, c IAM, user, key string, s types.StatusType) error {
	_, err := c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{
		UserName: sdk.String(user), AccessKeyId: sdk.String(key), Status: s})
	return fail("iam:UpdateAccessKey", err)
}

// denyPrincipal disables an IAM user or role by attaching the deny-all
// inline policy; a role's sessions issued before now are revoked too,
// since a session already holds credentials.
func denyPrincipal(
	ctx context.Context, p *Provider, r remediation.Request,
) (remediation.Result, error) {
	pr, c, err := p.principal(ctx, r)
	if err != nil {
		return remediation.Result{}, err
	}

	// deny it everything, once
	putBy, put, err := putPolicyOnce(ctx, c.IAM, pr, DenyAllPolicy, r.ActionID,
		policy(statement(sid("FirebreakDisable", r.ActionID), nil)))
	if err != nil {
		return remediation.Result{}, err
	}
	detail := map[string]string{"principal": pr.String(), "policy": DenyAllPolicy,
		"put_by": putBy, "changed": unchanged}
	summary := pr.String() + " already had inline policy " + DenyAllPolicy
	if put {
		summary = "attached inline policy " + DenyAllPolicy + " to " + pr.String()
		detail["changed"] = changed
	}
	if !pr.role {
		return remediation.Result{Summary: summary, Detail: detail}, nil
	}

	// and end the sessions it has handed out
	rev, err := revokeSessions(ctx, p, c.IAM, pr, r.ActionID)
	if err != nil {
		return remediation.Result{}, err
	}
	detail["sessions_revoked_before"] = rev.Detail["revoked_before"]
	if rev.Detail["changed"] == changed {
		detail["changed"] = changed
	}
	return remediation.Result{Summary: summary + "; " + rev.Summary, Detail: detail}, nil
}

// allowPrincipal removes the deny-all policy denyPrincipal attached; one
// it found there, put by another action, stays. Revoked sessions stay
// revoked: their holders sign in anew.
func allowPrincipal(
	ctx context.Context, p *Provider, r remediation.Request, done remediation.Result,
) (remediation.Result, error) {
	pr, c, err := p.principal(ctx, r)
	if err != nil {
		return remediation.Result{}, err
	}
	if done.Detail["put_by"] != r.ActionID {
		return remediation.Result{Summary: "left inline policy " + DenyAllPolicy + " on " +
			pr.String() + ": another action put it there"}, nil
	}
	if pr.role {
		_, err = c.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{
			RoleName: sdk.String(pr.name), PolicyName: sdk.String(DenyAllPolicy)})
		err = fail("iam:DeleteRolePolicy", err)
	} else {
		_, err = c.IAM.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{
			UserName: sdk.String(pr.name), PolicyName: sdk.String(DenyAllPolicy)})
		err = fail("iam:DeleteUserPolicy", err)
	}
	switch {
	case notFound(err):
		return remediation.Result{Summary: pr.String() + " no longer had inline policy " +
			DenyAllPolicy}, nil
	case err != nil:
		return remediation.Result{}, err
	}
	return remediation.Result{Summary: "removed inline policy " + DenyAllPolicy + " from " +
		pr.String()}, nil
}

// revokeRoleSessions denies everything to the sessions of a role issued
// before now.
func revokeRoleSessions(
	ctx context.Context, p *Provider, r remediation.Request,
) (remediation.Result, error) {
	pr, c, err := p.principal(ctx, r)
	if err != nil {
		return remediation.Result{}, err
	}
	if !pr.role {
		return remediation.Result{}, permanent("%s holds no sessions to revoke; disable "+
			"its access keys or the user", pr)
	}
	return revokeSessions(ctx, p, c.IAM, pr, r.ActionID)
}

// revokeSessions puts RevokeSessionsPolicy on role pr, denying sessions
// issued before now, unless this action already did.
func revokeSessions(
	ctx context.Context, p *Provider, c IAM, pr principal, actionID string,
) (remediation.Result, error) {
	now := p.now().UTC().Format(time.RFC3339)
	doc := policy(statement(sid("FirebreakRevoke", actionID), map[string]any{
		"DateLessThan": map[string]string{"aws:TokenIssueTime": now}}))
	_, put, err := putPolicyOnce(ctx, c, pr, RevokeSessionsPolicy, actionID, doc)
	if err != nil {
		return remediation.Result{}, err
	}
	if put {
		return remediation.Result{Summary: "revoked the sessions of " + pr.String() +
			" issued before " + now, Detail: map[string]string{"revoked_before": now,
			"principal": pr.String(), "changed": changed}}, nil
	}
	return remediation.Result{Summary: "the sessions of " + pr.String() + " were already " +
		"revoked by this action", Detail: map[string]string{"principal": pr.String(),
		"changed": unchanged}}, nil
}

// principal returns the IAM user or role r's target names and the clients
// of its account, refusing the provider's own remediation role.
func (p *Provider) principal(
	ctx context.Context, r remediation.Request,
) (principal, *Clients, error) {
	pr, ok := principalOf(r.Target)
	if !ok {
		return principal{}, nil, permanent("%s names no IAM user or role", r.Target.Ref())
	}
	if pr.role && p.opts.RoleName != "" && pr.name == p.opts.RoleName {
		return principal{}, nil, permanent("will not act on %s: Firebreak remediates "+
			"with it", pr)
	}
	c, err := p.in(ctx, cmp.Or(r.Account, pr.account), "")
	return pr, c, err
}

// putPolicyOnce puts inline policy name holding doc on pr unless this
// action put it there before; a deny-all policy put by anyone else is
// kept too. It returns the action id the policy on pr names in its
// statement id ("" for a policy Firebreak did not write) and whether it
// put it now.
func putPolicyOnce(
	ctx context.Context, c IAM, pr principal, name, actionID string, doc string,
) (owner string, put bool, err error) {
	// the policy there now
	existing, err := getPolicy(ctx, c, pr, name)
	if err != nil {
		return "", false, err
	}
	if existing != nil {
		owner = putter(*existing)
		if owner == alnum(actionID) {
			return actionID, false, nil
		}
		if name == DenyAllPolicy {
			return owner, false, nil
		}
	}

	// put it
	if pr.role {
		_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: sdk.String(pr.name),
			PolicyName: sdk.String(name), PolicyDocument: sdk.String(doc)})
		return actionID, err == nil, fail("iam:PutRolePolicy", err)
	}
	_, err = c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: sdk.String(pr.name),
		PolicyName: sdk.String(name), PolicyDocument: sdk.String(doc)})
	return actionID, err == nil, fail("iam:PutUserPolicy", err)
}

// getPolicy returns the document of pr's inline policy name, or nil when
// pr has none of that name.
func getPolicy(ctx context.Context, c IAM, pr principal, name string) (*string, error) {
	var doc *string
	var err error
	if pr.role {
		var out *iam.GetRolePolicyOutput
		out, err = c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: sdk.String(pr.name),
			PolicyName: sdk.String(name)})
		if err == nil {
			doc = out.PolicyDocument
		}
		err = fail("iam:GetRolePolicy", err)
	} else {
		var out *iam.GetUserPolicyOutput
		out, err = c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: sdk.String(pr.name),
			PolicyName: sdk.String(name)})
		if err == nil {
			doc = out.PolicyDocument
		}
		err = fail("iam:GetUserPolicy", err)
	}
	if notFound(err) {
		return nil, nil
	}
	return doc, err
}

// putter returns the action id a policy document's first statement id
// names, after its "Firebreak<Verb>" prefix; "" when it names none. IAM
// returns documents URL-encoded.
func putter(doc string) string {
	if d, err := url.QueryUnescape(doc); err == nil {
		doc = d
	}
	var p struct{ Statement []struct{ Sid string } }
	if json.Unmarshal([]byte(doc), &p) != nil || len(p.Statement) == 0 {
		return ""
	}
	for _, prefix := range []string{"FirebreakDisable", "FirebreakRevoke"} {
		if id, ok := strings.CutPrefix(p.Statement[0].Sid, prefix); ok {
			return id
		}
	}
	return ""
}

// policy returns an IAM policy document of one statement.
func policy(st map[string]any) string {
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17",
		"Statement": []any{st}})
	return string(b)
}

// statement denies everything, under condition when it is not nil.
func statement(sid string, condition map[string]any) map[string]any {
	st := map[string]any{"Sid": sid, "Effect": "Deny", "Action": "*", "Resource": "*"}
	if condition != nil {
		st["Condition"] = condition
	}
	return st
}

// sid is a statement id naming the action: IAM allows letters and digits
// only.
func sid(prefix, actionID string) string { return prefix + alnum(actionID) }

// alnum returns s with every character but ASCII letters and digits
// dropped.
func alnum(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
