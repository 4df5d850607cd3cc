package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/store"
)

func TestQuarantineBucketIsPrivateLockedAndExpires(t *testing.T) {
	tmpl := shipped(t)
	b := tmpl.Resources[tmpl.named(t, "AWS::S3::Bucket", "QuarantineBucket")]
	want := map[string]any{
		"PublicAccessBlockConfiguration": map[string]any{
			"BlockPublicAcls": true, "BlockPublicPolicy": true,
			"IgnorePublicAcls": true, "RestrictPublicBuckets": true,
		},
		"VersioningConfiguration": map[string]any{"Status": "Enabled"},
		"ObjectLockEnabled":       true,
		"ObjectLockConfiguration": map[string]any{
			"ObjectLockEnabled": "Enabled",
			"Rule": map[string]any{"DefaultRetention": map[string]any{
				"Mode": "GOVERNANCE", "Days": float64(quarantineLockDays),
			}},
		},
	}
	got := make(map[string]any)
	for k := range want {
		got[k] = b.Properties[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("quarantine bucket (-want +got):\n%s", diff)
	}
	if b.DeletionPolicy != "Retain" {
		t.Errorf("DeletionPolicy: got %q, want Retain", b.DeletionPolicy)
	}
	if _, ok := b.Properties["LoggingConfiguration"]; !ok {
		t.Errorf("LoggingConfiguration: got none, want server access logs")
	}
	if _, ok := b.Properties["LifecycleConfiguration"]; !ok {
		t.Errorf("LifecycleConfiguration: got none, want expiring versions")
	}
}

func TestBucketsAndTopicsRefuseRequestsWithoutTLS(t *testing.T) {
	tmpl := shipped(t)
	for _, typ := range []string{"AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy"} {
		policies := tmpl.ofType(typ)
		if len(policies) != 2 {
			t.Errorf("%s: got %d, want 2", typ, len(policies))
		}
		for id, p := range policies {
			if !deniesInsecureTransport(p) {
				t.Errorf("%s %s: got no Deny on aws:SecureTransport false, want one", typ, id)
			}
		}
	}
}

// deniesInsecureTransport reports whether the policy resource p denies
// requests made without TLS.
func deniesInsecureTransport(p cfnResource) bool {
	doc, _ := p.Properties["PolicyDocument"].(map[string]any)
	list, _ := doc["Statement"].([]any)
	return slices.ContainsFunc(list, func(s any) bool {
		m, _ := s.(map[string]any)
		cond, _ := m["Condition"].(map[string]any)
		b, _ := cond["Bool"].(map[string]any)
		return m["Effect"] == "Deny" && b["aws:SecureTransport"] == "false"
	})
}

func TestTopicsAreEncryptedWithTheRotatedKey(t *testing.T) {
	tmpl := shipped(t)
	keyID, key := tmpl.only(t, "AWS::KMS::Key")
	if got := key.Properties["EnableKeyRotation"]; got != true {
		t.Errorf("EnableKeyRotation: got %v, want true", got)
	}
	for id, topic := range tmpl.ofType("AWS::SNS::Topic") {
		if !mentions(topic.Properties["KmsMasterKeyId"], keyID) {
			t.Errorf("topic %s KmsMasterKeyId: got %v, want %s", id,
				topic.Properties["KmsMasterKeyId"], keyID)
		}
	}
}

func TestLinkSigningSecretIsGenerated(t *testing.T) {
	tmpl := shipped(t)
	r := tmpl.Resources[tmpl.named(t, "AWS::SecretsManager::Secret", "LinkSigningSecret")]
	gen, _ := r.Properties["GenerateSecretString"].(map[string]any)
	if got, want := gen["PasswordLength"], float64(linkSecretLength); got != want {
		t.Errorf("PasswordLength: got %v, want %v", got, want)
	}
	if _, ok := r.Properties["SecretString"]; ok {
		t.Errorf("SecretString: got one, want none (the value is generated, never in the template)")
	}
}

func TestIsolationGroupAllowsNoTraffic(t *testing.T) {
	main, _ := wired(t)
	_, g := main.only(t, "AWS::EC2::SecurityGroup")
	if got, want := g.Properties["VpcId"], testVPC; got != want {
		t.Errorf("VpcId: got %v, want %v", got, want)
	}
	if in, ok := g.Properties["SecurityGroupIngress"]; ok {
		t.Errorf("SecurityGroupIngress: got %v, want none", in)
	}
	// the one outbound rule, its description aside
	var got []any
	for _, r := range g.Properties["SecurityGroupEgress"].([]any) {
		m := maps.Clone(r.(map[string]any))
		delete(m, "Description")
		got = append(got, m)
	}
	want := []any{map[string]any{
		"CidrIp": noTrafficCIDR, "IpProtocol": "icmp",
		"FromPort": float64(noTrafficICMPType), "ToPort": float64(noTrafficICMPCode),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SecurityGroupEgress (-want +got):\n%s", diff)
	}
	if got := len(main.ofType("AWS::EC2::SecurityGroupIngress")); got != 0 {
		t.Errorf("ingress rules: got %d, want 0", got)
	}
}

// memberStatements returns the statements of the quarantine bucket's
// policy in tmpl that admit a member account, by Sid.
func memberStatements(t *testing.T, tmpl *cfnTemplate) map[string]map[string]any {
	t.Helper()
	bucketID := tmpl.named(t, "AWS::S3::Bucket", "QuarantineBucket")
	out := map[string]map[string]any{}
	for _, p := range tmpl.ofType("AWS::S3::BucketPolicy") {
		if refTo(p.Properties["Bucket"]) != bucketID {
			continue
		}
		doc, _ := p.Properties["PolicyDocument"].(map[string]any)
		list, _ := doc["Statement"].([]any)
		for _, s := range list {
			m, _ := s.(map[string]any)
			if sid, _ := m["Sid"].(string); strings.HasPrefix(sid, "MemberQuarantine") {
				out[sid] = m
			}
		}
	}
	return out
}

func TestQuarantineAdmitsEachListedMemberUnderItsOwnPrefix(t *testing.T) {
	tmpl, _ := wired(t)
	sts := memberStatements(t, tmpl)
	role := "arn:aws:iam::" + testMemberAccount + ":role/" + remediationRoleName
	for sid, want := range map[string]struct {
		actions  []string
		resource string
		cond     string
	}{
		"MemberQuarantine" + testMemberAccount: {[]string{"s3:GetObject", "s3:PutObject"},
			"/quarantine/" + testMemberAccount + "/*", ""},
		"MemberQuarantineList" + testMemberAccount: {[]string{"s3:ListBucket"}, "",
			"quarantine/" + testMemberAccount + "/*"},
	} {
		st, ok := sts[sid]
		if !ok {
			t.Errorf("bucket policy: got no statement %s, want one", sid)
			continue
		}
		check(t, sid, func() {
			principal := pseudo(t, st["Principal"].(map[string]any)["AWS"])
			if principal != "arn:aws:iam::"+testMemberAccount+":root" {
				t.Errorf("principal: got %s, want the member account", principal)
			}
			cond, _ := st["Condition"].(map[string]any)
			arn, _ := cond["ArnEquals"].(map[string]any)
			if got := pseudo(t, arn["aws:PrincipalArn"]); got != role {
				t.Errorf("aws:PrincipalArn: got %s, want %s", got, role)
			}
			got := slices.Sorted(slices.Values(stringList(st["Action"])))
			if diff := cmp.Diff(want.actions, got); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
			if !mentions(st["Resource"], tmpl.named(t, "AWS::S3::Bucket", "QuarantineBucket")) {
				t.Errorf("resource: got %v, want the quarantine bucket's", st["Resource"])
			}
			if want.resource != "" && !strings.HasSuffix(fmt.Sprint(st["Resource"]),
				want.resource+"]]]") {
				t.Errorf("resource: got %v, want the bucket's %s", st["Resource"], want.resource)
			}
			if want.cond != "" {
				like, _ := cond["StringLike"].(map[string]any)
				if got := like["s3:prefix"]; got != want.cond {
					t.Errorf("s3:prefix: got %v, want %s", got, want.cond)
				}
			}
		})
	}
	if len(sts) != 2 {
		t.Errorf("member statements: got %d, want 2 for the one member account", len(sts))
	}
}

func TestMemberRolePutsIntoTheMainQuarantineUnderItsPrefixOnly(t *testing.T) {
	_, member := wired(t)
	roleID, _ := member.only(t, "AWS::IAM::Role")
	got := map[string]string{}
	for _, s := range member.statements(roleID) {
		if s.Sid == "Quarantine" || s.Sid == "QuarantineLook" {
			got[s.Sid] = pseudo(t, s.Resource)
		}
	}
	bucket := "arn:aws:s3:::firebreak-quarantine-" + testMainAccount + "-*"
	want := map[string]string{
		"Quarantine":     bucket + "/quarantine/ref:AWS::AccountId/*",
		"QuarantineLook": bucket,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("member role's quarantine statements (-want +got):\n%s", diff)
	}
}

func TestWithoutTheAWSProviderNoMemberMayPutIntoTheQuarantine(t *testing.T) {
	app, err := testApp("members-without-aws", map[string]any{
		contextMemberAccountIDs: testMemberAccount})
	if err != nil {
		t.Fatal(err)
	}
	st, err := NewStack(app, stack.Firebreak, store.TableSchema, firebreak.ConfigYAML,
		repositoryRoot())
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := decode(st)
	if err != nil {
		t.Fatal(err)
	}
	if sts := memberStatements(t, tmpl); len(sts) != 0 {
		t.Errorf("member statements: got %v, want none", sts)
	}
}

func TestNewStackRejectsAMemberAccountThatIsNoAccountID(t *testing.T) {
	app, err := testApp("bad-member", map[string]any{
		contextMemberAccountIDs: testMemberAccount + ",12345"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewStack(app, stack.Firebreak, store.TableSchema, firebreak.ConfigYAML,
		repositoryRoot())
	if err == nil || !strings.Contains(err.Error(), `memberAccountIds: got "12345"`) {
		t.Errorf("NewStack: got %v, want an error naming the bad account id", err)
	}
}
