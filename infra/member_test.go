package main

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/store"
)

// testMainAccount and testVPC are the context of the wired synthesis.
const (
	testMainAccount   = "111122223333"
	testMemberAccount = "444455556666"
	testVPC           = "vpc-0123456789abcdef0"
)

// pseudo resolves v as resolve does, then writes the pseudo parameters
// that stand for the partition and region as "aws" and "<region>".
func pseudo(t *testing.T, v any) string {
	t.Helper()
	return strings.NewReplacer("ref:AWS::Partition", "aws", "ref:AWS::Region", "<region>").
		Replace(resolve(t, v))
}

// wiredEnv are the environment variables whose need is a grant; the wired
// synthesis gives them all to the remediate function.
var wiredEnv = []string{
	stack.EnvApprovalsTopicARN, stack.EnvLinkSigningSecretARN, stack.EnvQuarantineBucket,
	stack.EnvIsolationGroupID, stack.EnvRemediationRoleName,
}

// wiredSynthesis is stack.Firebreak with the remediate function reading
// wiredEnv, synthesized with a member stack and an isolation VPC.
var wiredSynthesis struct {
	once         sync.Once
	main, member *cfnTemplate
	err          error
}

// wired returns the main and member templates of wiredSynthesis,
// synthesizing them on first use.
func wired(t *testing.T) (main, member *cfnTemplate) {
	t.Helper()
	w := &wiredSynthesis
	w.once.Do(func() {
		w.main, w.member, w.err = synthesizeWired()
	})
	if w.err != nil {
		t.Fatal(w.err)
	}
	return w.main, w.member
}

// awsRemediationConfig is the shipped firebreak.yaml routing every action
// to the AWS provider, which is what grants a function AWS remediation.
func awsRemediationConfig() []byte {
	return append(append([]byte{}, firebreak.ConfigYAML...),
		"\nremediation:\n  providers:\n    - name: aws\n      actions: all\n"...)
}

// synthesizeWired synthesizes the app of wiredSynthesis.
func synthesizeWired() (main, member *cfnTemplate, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesize wired: %v", r)
		}
	}()
	app, err := testApp("wired", map[string]any{
		contextMainAccountID: testMainAccount, contextIsolationVPCID: testVPC,
		contextMemberAccountIDs: testMemberAccount,
	})
	if err != nil {
		return nil, nil, err
	}
	s := cloneStack(stack.Firebreak)
	for i := range s.Functions {
		if s.Functions[i].Name == "remediate" {
			s.Functions[i].Env = append(s.Functions[i].Env, wiredEnv...)
		}
	}
	ms, err := NewStack(app, s, store.TableSchema, awsRemediationConfig(), repositoryRoot())
	if err != nil {
		return nil, nil, err
	}
	mb, err := NewMemberStack(app, s)
	if err != nil {
		return nil, nil, err
	}
	if main, err = decode(ms); err != nil {
		return nil, nil, err
	}
	member, err = decode(mb)
	return main, member, err
}

func TestWiredStacksHaveNoUnsuppressedNagFinding(t *testing.T) {
	main, member := wired(t)
	for name, tmpl := range map[string]*cfnTemplate{"main": main, "member": member} {
		if got := tmpl.findings; len(got) > 0 {
			t.Errorf("%s: cdk-nag findings: got %d, want 0:\n%s", name, len(got),
				strings.Join(got, "\n"))
		}
	}
}

func TestMemberRoleTrustsOnlyTheMainAccountsRemediators(t *testing.T) {
	_, member := wired(t)
	_, role := member.only(t, "AWS::IAM::Role")
	if got, want := role.Properties["RoleName"], remediationRoleName; got != want {
		t.Errorf("RoleName: got %v, want %v", got, want)
	}
	doc, _ := role.Properties["AssumeRolePolicyDocument"].(map[string]any)
	sts, _ := doc["Statement"].([]any)
	if len(sts) != 1 {
		t.Fatalf("trust statements: got %d, want 1", len(sts))
	}
	st, _ := sts[0].(map[string]any)
	principal := pseudo(t, st["Principal"].(map[string]any)["AWS"])
	if want := "arn:aws:iam::" + testMainAccount + ":root"; principal != want {
		t.Errorf("trusted principal: got %s, want %s", principal, want)
	}
	cond, _ := st["Condition"].(map[string]any)
	like, _ := cond["ArnLike"].(map[string]any)
	got := pseudo(t, like["aws:PrincipalArn"])
	want := "arn:aws:iam::" + testMainAccount + ":role/" + stack.Firebreak.Name +
		remediatorRolePrefix + "*"
	if got != want {
		t.Errorf("trusted role ARNs: got %s, want %s", got, want)
	}
}

func TestMemberRoleMayDoOnlyTheRemediationActions(t *testing.T) {
	_, member := wired(t)
	roleID, _ := member.only(t, "AWS::IAM::Role")
	var allows, denies []string
	for _, s := range member.statements(roleID) {
		if s.Effect == "Deny" {
			denies = append(denies, s.Actions...)
			continue
		}
		allows = append(allows, s.Actions...)
	}
	// firebreak.yaml names no WAF IP set, DNS Firewall list or user pool:
	// no WAF, DNS Firewall or Cognito action is allowed
	want := []string{
		"ec2:CreateSnapshot", "ec2:CreateTags", "ec2:DeleteTags", "ec2:DescribeInstances",
		"ec2:DescribeSecurityGroups", "ec2:DescribeSnapshots",
		"ec2:ModifyNetworkInterfaceAttribute", "iam:DeleteRolePolicy", "iam:DeleteUserPolicy",
		"iam:GetAccessKeyLastUsed", "iam:GetRolePolicy", "iam:GetUserPolicy",
		"iam:ListAccessKeys", "iam:PutRolePolicy", "iam:PutUserPolicy", "iam:UpdateAccessKey",
		"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject", "s3:GetObjectVersion",
		"s3:ListBucket", "s3:PutObject",
	}
	got := slices.Compact(slices.Sorted(slices.Values(allows)))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("allowed actions (-want +got):\n%s", diff)
	}
	if !slices.Contains(denies, "iam:PutRolePolicy") {
		t.Errorf("denied actions: got %v, want iam:PutRolePolicy on its own role", denies)
	}
}

func TestMemberStackNeedsNoBootstrap(t *testing.T) {
	_, member := wired(t)
	if got := len(member.Parameters); got != 0 {
		t.Errorf("parameters: got %d, want 0 (a StackSet template takes none)", got)
	}
	if got := len(member.ofType("AWS::EC2::SecurityGroup")); got != 1 {
		t.Errorf("isolation security groups: got %d, want 1", got)
	}
}

func TestNewMemberStackRejectsABadMainAccount(t *testing.T) {
	for _, id := range []string{"", "12345", "11112222333x"} {
		app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{
			contextMainAccountID: id,
		}})
		_, err := NewMemberStack(app, stack.Firebreak)
		if err == nil || !strings.Contains(err.Error(), "12-digit") {
			t.Errorf("main account %q: got error %v, want one saying 12-digit", id, err)
		}
	}
}

func TestRemediatorsRoleHasTheNameTheMemberRoleTrusts(t *testing.T) {
	main, _ := wired(t)
	_, fn := main.function(t, "remediate")
	role := main.Resources[roleOf(fn, "Role")]
	got := pseudo(t, role.Properties["RoleName"])
	want := stack.Firebreak.Name + remediatorRolePrefix + "remediate-<region>"
	if got != want {
		t.Errorf("remediate's role name: got %s, want %s", got, want)
	}
	sts := main.statements(roleOf(fn, "Role"))
	wantARN := "arn:aws:iam::*:role/" + remediationRoleName
	if rs := allowed(sts, "sts:AssumeRole"); len(rs) != 1 || pseudo(t, rs[0]) != wantARN {
		t.Errorf("sts:AssumeRole on: got %v, want %s", rs, wantARN)
	}
}

func TestEnvironmentThatNamesAResourceGrantsItsUse(t *testing.T) {
	main, _ := wired(t)
	_, fn := main.function(t, "remediate")
	sts := main.statements(roleOf(fn, "Role"))
	tests := []struct {
		action, resource string // resource: a logical ID the statement names
	}{
		{"sns:Publish", main.named(t, "AWS::SNS::Topic", "ApprovalsTopic")},
		{"secretsmanager:GetSecretValue",
			main.named(t, "AWS::SecretsManager::Secret", "LinkSigningSecret")},
	}
	for _, tt := range tests {
		rs := allowed(sts, tt.action)
		if len(rs) != 1 || !mentions(rs[0], tt.resource) {
			t.Errorf("%s on: got %v, want only %s", tt.action, rs, tt.resource)
		}
	}

	// the quarantine bucket's objects: put and read back, never deleted,
	// though remediation may delete the account's other objects
	bucket := main.named(t, "AWS::S3::Bucket", "QuarantineBucket")
	for _, action := range []string{"s3:PutObject", "s3:GetObject"} {
		if !slices.ContainsFunc(allowed(sts, action), func(r any) bool {
			return mentions(r, bucket)
		}) {
			t.Errorf("%s: not granted on the quarantine bucket %s", action, bucket)
		}
	}
	if got := effectsOn(main, roleOf(fn, "Role"), "s3:DeleteObject", bucket); !slices.Equal(
		got, []string{"Deny"}) {
		t.Errorf("s3:DeleteObject on the quarantine: got %v, want [Deny] (it keeps evidence)",
			got)
	}

	// each variable points at its resource
	groupID, _ := main.only(t, "AWS::EC2::SecurityGroup")
	if got := main.env(t, "remediate", stack.EnvIsolationGroupID); !mentions(got, groupID) {
		t.Errorf("%s: got %v, want the group %s", stack.EnvIsolationGroupID, got, groupID)
	}
	if got := main.env(t, "remediate", stack.EnvRemediationRoleName); got != remediationRoleName {
		t.Errorf("%s: got %v, want %s", stack.EnvRemediationRoleName, got, remediationRoleName)
	}
}

// effectsOn returns the effects of the statements of roleID's policies
// that name action on a resource mentioning id.
func effectsOn(c *cfnTemplate, roleID, action, id string) []string {
	var effects []string
	for _, p := range c.ofType("AWS::IAM::Policy") {
		if !mentions(p.Properties["Roles"], roleID) {
			continue
		}
		doc, _ := p.Properties["PolicyDocument"].(map[string]any)
		list, _ := doc["Statement"].([]any)
		for _, s := range list {
			m, _ := s.(map[string]any)
			if slices.Contains(stringList(m["Action"]), action) && mentions(m["Resource"], id) {
				effects = append(effects, fmt.Sprint(m["Effect"]))
			}
		}
	}
	return effects
}

// TestWithoutTheAWSProviderNoFunctionMayActOnAWS checks least privilege
// in the shipped stack, whose firebreak.yaml routes no action to AWS: the
// functions that remediate may neither assume member roles nor touch the
// quarantine, isolation or IAM.
func TestWithoutTheAWSProviderNoFunctionMayActOnAWS(t *testing.T) {
	tmpl := shipped(t)
	for _, name := range []string{"remediate", "api"} {
		_, fn := tmpl.function(t, name)
		sts := tmpl.statements(roleOf(fn, "Role"))
		for _, action := range []string{"sts:AssumeRole", "s3:PutObject",
			"ec2:ModifyNetworkInterfaceAttribute", "iam:UpdateAccessKey"} {
			if rs := allowed(sts, action); len(rs) > 0 {
				t.Errorf("%s may %s on %v without the aws provider", name, action, rs)
			}
		}
	}
}
