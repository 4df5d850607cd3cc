package awsdata

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
)

// describeKey answers Describe for an IAM user's access key: whether it is
// active, when it was created and when last used. IAM knows nothing of a
// temporary (ASIA) key, nor does the source ask about root's keys.
func (s *Source) describeKey(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	owner := parsePrincipal(e.Attributes["user"])
	if !strings.HasPrefix(e.Key, "AKIA") || (owner.kind != "" && owner.kind != kindUser) {
		return datasource.Finding{}, nil
	}
	t, err := s.target(ctx, e)
	if err != nil {
		return datasource.Finding{}, err
	}

	// the user that owns the key, from the alert or else from IAM
	user := owner.name
	var used *types.AccessKeyLastUsed
	if user == "" {
		if used, user, err = t.keyLastUsed(ctx, e.Key); err != nil || user == "" {
			return datasource.Finding{}, err
		}
	}

	// the key among the user's keys
	k, err := t.accessKey(ctx, user, e.Key)
	if err != nil {
		return datasource.Finding{}, err
	}
	if k == nil {
		return datasource.Finding{Evidence: []investigation.Evidence{iamEvidence(
			"not among the access keys of IAM user " + user + ": deleted")}}, nil
	}

	// when it was last used
	if used == nil {
		if used, _, err = t.keyLastUsed(ctx, e.Key); err != nil {
			return datasource.Finding{}, err
		}
	}
	f := datasource.Finding{Evidence: []investigation.Evidence{
		iamEvidence(keyStatus(*k, s.now()))}}
	var lastUsed *time.Time
	if used != nil {
		f.Evidence = append(f.Evidence, iamEvidence(lastUse(*used)))
		lastUsed = used.LastUsedDate
	}
	f.Attributes = alert.Attrs("status", string(k.Status), "created", stamp(k.CreateDate),
		"last_used", stamp(lastUsed))
	return f, nil
}

// describeUser answers Describe for an IAM user: its age and console use,
// its MFA devices, whether it is an administrator (Critical), and the
// access keys it owns, related as "owns".
func (s *Source) describeUser(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	p := principalOf(e)
	if p.kind != kindUser {
		return datasource.Finding{}, nil
	}
	t, err := s.target(ctx, e)
	if err != nil {
		return datasource.Finding{}, err
	}

	// the user itself
	out, err := t.IAM.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(p.name)})
	if notFound(err) || (err == nil && out.User == nil) {
		return datasource.Finding{}, nil
	}
	if err != nil {
		return datasource.Finding{}, t.fail("iam:GetUser",
			fmt.Errorf("get IAM user %s: %w", p.name, err))
	}
	f := datasource.Finding{Evidence: []investigation.Evidence{
		iamEvidence(userAge(*out.User, s.now()))}}

	// its MFA devices and policies
	mfa, err := t.mfaDevices(ctx, p.name)
	if err != nil {
		return datasource.Finding{}, err
	}
	admin, err := t.administrator(ctx, p.name)
	if err != nil {
		return datasource.Finding{}, err
	}
	f.Evidence = append(f.Evidence, mfaEvidence(mfa))
	if admin {
		f.Evidence = append(f.Evidence,
			iamEvidence("administrator: AdministratorAccess attached"))
	}
	f.Critical = admin
	f.Attributes = alert.Attrs("mfa", strconv.FormatBool(mfa > 0),
		"administrator", strconv.FormatBool(admin), "created", stamp(out.User.CreateDate))

	// the keys it owns
	keys, err := t.accessKeys(ctx, p.name)
	if err != nil {
		return datasource.Finding{}, err
	}
	f.Related = owned(keys, p, s.now())
	return f, nil
}

// owned relates the access keys of user p as "owns", each with its status.
func owned(keys []types.AccessKeyMetadata, p principal, now time.Time) []datasource.Related {
	var rel []datasource.Related
	for _, k := range keys {
		key := accessKeyEntity(aws.ToString(k.AccessKeyId), p)
		key.Attributes["status"] = string(k.Status)
		rel = append(rel, datasource.Related{
			Entity:   key,
			Kind:     "owns",
			Evidence: []investigation.Evidence{iamEvidence(keyStatus(k, now))},
		})
	}
	return rel
}

// accessKeys returns the access keys of IAM user name; none when there
// is no such user. A user has at most two, so one page holds them.
func (t target) accessKeys(ctx context.Context, name string) ([]types.AccessKeyMetadata, error) {
	out, err := t.IAM.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(name)})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, t.fail("iam:ListAccessKeys",
			fmt.Errorf("list access keys of IAM user %s: %w", name, err))
	}
	return out.AccessKeyMetadata, nil
}

// accessKey returns access key id of IAM user name, or nil when the user
// has no such key.
func (t target) accessKey(ctx context.Context, name, id string) (*types.AccessKeyMetadata,
	error) {
	keys, err := t.accessKeys(ctx, name)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(keys, func(k types.AccessKeyMetadata) bool {
		return aws.ToString(k.AccessKeyId) == id
	})
	if i < 0 {
		return nil, nil
	}
	return &keys[i], nil
}

// keyLastUsed returns when access key id was last used and the user that
// owns it; nil when IAM knows no such key.
func (t target) keyLastUsed(ctx context.Context, id string) (*types.AccessKeyLastUsed,
	string, error) {
	out, err := t.IAM.GetAccessKeyLastUsed(ctx,
		&iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)})
	if notFound(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", t.fail("iam:GetAccessKeyLastUsed",
			fmt.Errorf("get last use of access key %s: %w", id, err))
	}
	return out.AccessKeyLastUsed, aws.ToString(out.UserName), nil
}

// mfaDevices returns how many MFA devices IAM user name has.
func (t target) mfaDevices(ctx context.Context, name string) (int, error) {
	out, err := t.IAM.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String(name)})
	if err != nil {
		return 0, t.fail("iam:ListMFADevices",
			fmt.Errorf("list MFA devices of IAM user %s: %w", name, err))
	}
	return len(out.MFADevices), nil
}

// administrator reports whether IAM user name has AWS's
// AdministratorAccess policy attached. A user has at most 20 managed
// policies attached, fewer than a page.
func (t target) administrator(ctx context.Context, name string) (bool, error) {
	out, err := t.IAM.ListAttachedUserPolicies(ctx,
		&iam.ListAttachedUserPoliciesInput{UserName: aws.String(name)})
	if err != nil {
		return false, t.fail("iam:ListAttachedUserPolicies",
			fmt.Errorf("list policies of IAM user %s: %w", name, err))
	}
	return slices.ContainsFunc(out.AttachedPolicies, func(p types.AttachedPolicy) bool {
		return strings.HasSuffix(aws.ToString(p.PolicyArn), ":iam::aws:policy/AdministratorAccess")
	}), nil
}

// mfaEvidence says whether a user has an MFA device.
func mfaEvidence(devices int) investigation.Evidence {
	if devices == 0 {
		return iamEvidence("has no MFA device")
	}
	return iamEvidence(fmt.Sprintf("has %d MFA devices", devices))
}

// keyStatus says whether an access key is active, whose it is and how
// old.
func keyStatus(k types.AccessKeyMetadata, now time.Time) string {
	created := aws.ToTime(k.CreateDate)
	of := fmt.Sprintf("access key of IAM user %s, created %s (%s)", aws.ToString(k.UserName),
		created.UTC().Format(time.DateOnly), daysAgo(created, now))
	switch k.Status {
	case types.StatusTypeActive:
		return "active " + of
	case types.StatusTypeInactive:
		return "already inactive: " + of
	}
	return strings.ToLower(string(k.Status)) + " " + of
}

// lastUse says when, where and with what service a key was last used.
func lastUse(u types.AccessKeyLastUsed) string {
	if u.LastUsedDate == nil {
		return "never used"
	}
	return fmt.Sprintf("last used %s with %s in %s",
		u.LastUsedDate.UTC().Format(time.RFC3339), aws.ToString(u.ServiceName),
		aws.ToString(u.Region))
}

// userAge says when an IAM user was created and last used its password.
func userAge(u types.User, now time.Time) string {
	created := aws.ToTime(u.CreateDate)
	text := fmt.Sprintf("IAM user created %s (%s)", created.UTC().Format(time.DateOnly),
		daysAgo(created, now))
	if u.PasswordLastUsed == nil {
		return text + ", no console sign-in recorded"
	}
	return text + ", password last used " + u.PasswordLastUsed.UTC().Format(time.RFC3339)
}

// stamp writes a time for attributes, "" when there is none.
func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// daysAgo says how long before now t was, in whole days.
func daysAgo(t, now time.Time) string {
	switch d := int(now.Sub(t).Hours() / 24); d {
	case 0:
		return "today"
	case 1:
		return "1 day ago"
	default:
		return fmt.Sprintf("%d days ago", d)
	}
}

func iamEvidence(text string) investigation.Evidence {
	return investigation.Evidence{Verdict: investigation.VerdictUnknown, Source: "iam",
		Text: text}
}
