package main

import (
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
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
