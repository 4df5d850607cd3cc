package aws_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/remediation"
)

const ec2Version = "2016-11-15"

var web01 = alert.Entity{Type: alert.EntityHost, Key: "i-0123456789abcdef0",
	Attributes: map[string]string{"account_id": ownAccount, "region": "us-east-1"}}

// describeInstance is DescribeInstances' answer: web01 with two network
// interfaces in the groups given, one volume, and tags as key, value pairs.
func describeInstance(groups1, groups2 []string, tags ...string) string {
	set := func(gs []string) string {
		s := "<groupSet>"
		for _, g := range gs {
			s += "<item><groupId>" + g + "</groupId><groupName>n</groupName></item>"
		}
		return s + "</groupSet>"
	}
	tagSet := "<tagSet>"
	for i := 0; i+1 < len(tags); i += 2 {
		tagSet += "<item><key>" + tags[i] + "</key><value>" + tags[i+1] + "</value></item>"
	}
	tagSet += "</tagSet>"
	return `<DescribeInstancesResponse><reservationSet><item><instancesSet><item>` +
		`<instanceId>i-0123456789abcdef0</instanceId><vpcId>vpc-1</vpcId>` +
		`<networkInterfaceSet>` +
		`<item><networkInterfaceId>eni-1</networkInterfaceId>` + set(groups1) + `</item>` +
		`<item><networkInterfaceId>eni-2</networkInterfaceId>` + set(groups2) + `</item>` +
		`</networkInterfaceSet><blockDeviceMapping><item><deviceName>/dev/xvda</deviceName>` +
		`<ebs><volumeId>vol-1</volumeId></ebs></item></blockDeviceMapping>` + tagSet +
		`</item></instancesSet></item></reservationSet></DescribeInstancesResponse>`
}

const ec2True = `<Response><return>true</return></Response>`

func TestIsolateInstanceOnceAndRelease(t *testing.T) {
	p, f := newProvider(t)
	r := newRequest(investigation.ActionIsolateHost, web01)
	isolated := []string{"sg-isolation"}

	// run once: save the groups, move both interfaces, snapshot, tag
	f.on("DescribeInstances", 200, describeInstance([]string{"sg-web", "sg-ssh"},
		[]string{"sg-db"}))
	for range 3 {
		f.on("CreateTags", 200, ec2True)
	}
	f.on("ModifyNetworkInterfaceAttribute", 200, ec2True)
	f.on("ModifyNetworkInterfaceAttribute", 200, ec2True)
	f.on("DescribeSnapshots", 200, `<DescribeSnapshotsResponse><snapshotSet/>`+
		`</DescribeSnapshotsResponse>`)
	f.on("CreateSnapshot", 200, `<CreateSnapshotResponse><snapshotId>snap-1</snapshotId>`+
		`<volumeId>vol-1</volumeId></CreateSnapshotResponse>`)
	res := do(t, p, r)
	checkSummary(t, res, "isolated instance i-0123456789abcdef0 in security group "+
		"sg-isolation and snapshotted 1 volume", "true")
	want := map[string]string{"instance_id": "i-0123456789abcdef0",
		"isolation_group": "sg-isolation", "groups.eni-1": "sg-web sg-ssh",
		"groups.eni-2": "sg-db", "snapshots": "snap-1", "changed": "true"}
	if diff := cmp.Diff(want, res.Detail); diff != "" {
		t.Errorf("detail (-want +got):\n%s", diff)
	}
	checkForm(t, f.calls("DescribeInstances"), 0, ec2Version,
		"InstanceId.1", "i-0123456789abcdef0")
	tags := f.calls("CreateTags")
	checkForm(t, tags, 0, ec2Version, "ResourceId.1", "i-0123456789abcdef0",
		"Tag.1.Key", "firebreak:saved-groups:eni-1", "Tag.1.Value", "sg-web sg-ssh")
	checkForm(t, tags, 1, ec2Version, "ResourceId.1", "i-0123456789abcdef0",
		"Tag.1.Key", "firebreak:saved-groups:eni-2", "Tag.1.Value", "sg-db")
	checkForm(t, tags, 2, ec2Version, "ResourceId.1", "i-0123456789abcdef0",
		"Tag.1.Key", "firebreak:isolated", "Tag.1.Value", "act-1")
	moves := f.calls("ModifyNetworkInterfaceAttribute")
	checkForm(t, moves, 0, ec2Version, "NetworkInterfaceId", "eni-1",
		"SecurityGroupId.1", "sg-isolation")
	checkForm(t, moves, 1, ec2Version, "NetworkInterfaceId", "eni-2",
		"SecurityGroupId.1", "sg-isolation")
	checkForm(t, f.calls("DescribeSnapshots"), 0, ec2Version, "Owner.1", "self",
		"Filter.1.Name", "tag:firebreak:action", "Filter.1.Value.1", "act-1")
	checkForm(t, f.calls("CreateSnapshot"), 0, ec2Version, "VolumeId", "vol-1",
		"Description", "Firebreak forensics: i-0123456789abcdef0 vol-1",
		"TagSpecification.1.ResourceType", "snapshot",
		"TagSpecification.1.Tag.1.Key", "firebreak:action",
		"TagSpecification.1.Tag.1.Value", "act-1",
		"TagSpecification.1.Tag.2.Key", "firebreak:instance",
		"TagSpecification.1.Tag.2.Value", "i-0123456789abcdef0")
	checkOps(t, f, "DescribeInstances", "CreateTags", "ModifyNetworkInterfaceAttribute",
		"CreateTags", "ModifyNetworkInterfaceAttribute", "DescribeSnapshots",
		"CreateSnapshot", "CreateTags")

	// again, after a crash: isolated, tagged, snapshotted; the groups
	// saved before are kept
	f.on("DescribeInstances", 200, describeInstance(isolated, isolated,
		"firebreak:saved-groups:eni-1", "sg-web sg-ssh",
		"firebreak:saved-groups:eni-2", "sg-db", "firebreak:isolated", "act-1"))
	f.on("DescribeSnapshots", 200, `<DescribeSnapshotsResponse><snapshotSet><item>`+
		`<snapshotId>snap-1</snapshotId><volumeId>vol-1</volumeId></item></snapshotSet>`+
		`</DescribeSnapshotsResponse>`)
	again := do(t, p, r)
	checkSummary(t, again, "instance i-0123456789abcdef0 was already isolated in security "+
		"group sg-isolation", "false")
	want["changed"] = "false"
	if diff := cmp.Diff(want, again.Detail); diff != "" {
		t.Errorf("detail of the repeat (-want +got):\n%s", diff)
	}
	checkOps(t, f, "DescribeInstances", "DescribeSnapshots")

	// released: the saved groups back, the tags gone
	f.on("DescribeInstances", 200, describeInstance(isolated, isolated,
		"firebreak:saved-groups:eni-1", "sg-web sg-ssh",
		"firebreak:saved-groups:eni-2", "sg-db", "firebreak:isolated", "act-1"))
	f.on("ModifyNetworkInterfaceAttribute", 200, ec2True)
	f.on("ModifyNetworkInterfaceAttribute", 200, ec2True)
	for range 3 {
		f.on("DeleteTags", 200, ec2True)
	}
	got := undo(t, p, r, again)
	checkSummary(t, got, "released instance i-0123456789abcdef0: restored the security "+
		"groups of 2 network interfaces", "")
	moves = f.calls("ModifyNetworkInterfaceAttribute")
	checkForm(t, moves, 0, ec2Version, "NetworkInterfaceId", "eni-1",
		"SecurityGroupId.1", "sg-web", "SecurityGroupId.2", "sg-ssh")
	checkForm(t, moves, 1, ec2Version, "NetworkInterfaceId", "eni-2",
		"SecurityGroupId.1", "sg-db")
	checkForm(t, f.calls("DeleteTags"), 2, ec2Version, "ResourceId.1", "i-0123456789abcdef0",
		"Tag.1.Key", "firebreak:isolated")
	checkOps(t, f, "DescribeInstances", "ModifyNetworkInterfaceAttribute", "DeleteTags",
		"ModifyNetworkInterfaceAttribute", "DeleteTags", "DeleteTags")

	// released again: nothing to do
	f.on("DescribeInstances", 200, describeInstance([]string{"sg-web", "sg-ssh"},
		[]string{"sg-db"}))
	got = undo(t, p, r, again)
	checkSummary(t, got, "instance i-0123456789abcdef0 was already released", "")
	checkOps(t, f, "DescribeInstances")
}

func TestIsolateInAnotherAccountFindsItsIsolationGroup(t *testing.T) {
	p, f := newProvider(t)
	host := alert.Entity{Type: alert.EntityHost, Key: "i-0123456789abcdef0",
		Attributes: map[string]string{"account_id": memberAccount, "region": "eu-west-1"}}
	f.on("AssumeRole", 200, `<AssumeRoleResponse><AssumeRoleResult><Credentials>`+
		`<AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>s</SecretAccessKey>`+
		`<SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration>`+
		`</Credentials></AssumeRoleResult></AssumeRoleResponse>`)
	f.on("DescribeInstances", 200, describeInstance([]string{"sg-web"}, []string{"sg-db"}))
	f.on("DescribeSecurityGroups", 200, `<DescribeSecurityGroupsResponse>`+
		`<securityGroupInfo/></DescribeSecurityGroupsResponse>`)
	_, err := p.Do(context.Background(), newRequest(investigation.ActionIsolateHost, host))
	if !remediation.Permanent(err) {
		t.Errorf("Do: got %v, want a permanent error: no isolation group", err)
	}
	checkForm(t, f.calls("DescribeSecurityGroups"), 0, ec2Version,
		"Filter.1.Name", "group-name", "Filter.1.Value.1", "Firebreak-isolation",
		"Filter.2.Name", "vpc-id", "Filter.2.Value.1", "vpc-1")
	checkOps(t, f, "AssumeRole", "DescribeInstances", "DescribeSecurityGroups")
}

func TestIsolateUnknownInstanceIsPermanent(t *testing.T) {
	p, f := newProvider(t)
	f.on("DescribeInstances", 400, ec2Error("InvalidInstanceID.NotFound",
		"The instance ID 'i-0123456789abcdef0' does not exist"))
	_, err := p.Do(context.Background(), newRequest(investigation.ActionIsolateHost, web01))
	want := "aws: ec2:DescribeInstances: InvalidInstanceID.NotFound: The instance ID " +
		"'i-0123456789abcdef0' does not exist"
	if !remediation.Permanent(err) || err.Error() != want {
		t.Errorf("Do: got %v, want permanent %q", err, want)
	}
}

func TestIsolateThrottledIsTransient(t *testing.T) {
	p, f := newProvider(t)
	f.on("DescribeInstances", 503, ec2Error("RequestLimitExceeded", "Request limit exceeded."))
	_, err := p.Do(context.Background(), newRequest(investigation.ActionIsolateHost, web01))
	if err == nil || remediation.Permanent(err) {
		t.Errorf("Do: got %v, want a transient error", err)
	}
}
