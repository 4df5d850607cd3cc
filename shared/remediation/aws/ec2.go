package aws

import (
	"cmp"
	"context"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/firebreak/firebreak/shared/remediation"
)

// Tags the provider puts on what it isolates and snapshots. An isolated
// instance carries TagIsolated (the action's id); each of its network
// interfaces has its security groups before saved, space separated, in the
// instance's tag TagSavedGroups + ":" + the interface's id, so that a
// repeated Do finds them even after a crash; each
// forensic snapshot carries TagAction and TagInstance.
const (
	TagIsolated    = "firebreak:isolated"
	TagSavedGroups = "firebreak:saved-groups"
	TagAction      = "firebreak:action"
	TagInstance    = "firebreak:instance"
)

// groupsDetail prefixes, in an isolation's Result.Detail, the id of each
// network interface whose value is its security groups before.
const groupsDetail = "groups."

// isolateInstance moves every network interface of an instance to the
// isolation security group, saving its groups for release; snapshots the
// instance's EBS volumes for forensics; and tags the instance.
func isolateInstance(
	ctx context.Context, p *Provider, r remediation.Request,
) (remediation.Result, error) {
	c, inst, err := p.instance(ctx, r)
	if err != nil {
		return remediation.Result{}, err
	}
	id := sdk.ToString(inst.InstanceId)
	group, err := p.isolationGroup(ctx, c.EC2, r, sdk.ToString(inst.VpcId))
	if err != nil {
		return remediation.Result{}, err
	}
	detail := map[string]string{"instance_id": id, "isolation_group": group}
	did := false

	// each interface: its groups saved on it, then the isolation group alone
	for _, ni := range inst.NetworkInterfaces {
		eni := sdk.ToString(ni.NetworkInterfaceId)
		saved, moved, err := isolateInterface(ctx, c.EC2, inst, ni, group)
		if err != nil {
			return remediation.Result{}, err
		}
		detail[groupsDetail+eni] = saved
		did = did || moved
	}

	// the volumes, snapshotted once
	snaps, made, err := snapshotVolumes(ctx, c.EC2, inst, r.ActionID)
	if err != nil {
		return remediation.Result{}, err
	}
	detail["snapshots"] = strings.Join(snaps, " ")
	did = did || made > 0

	// the instance, tagged
	if tagValue(inst.Tags, TagIsolated) == "" {
		if err := tag(ctx, c.EC2, id, TagIsolated, r.ActionID); err != nil {
			return remediation.Result{}, err
		}
		did = true
	}
	detail["changed"] = boolString(did)
	if !did {
		return remediation.Result{Summary: "instance " + id + " was already isolated in " +
			"security group " + group, Detail: detail}, nil
	}
	return remediation.Result{Summary: "isolated instance " + id + " in security group " +
		group + " and snapshotted " + plural(len(snaps), "volume"), Detail: detail}, nil
}

// isolateInterface saves the security groups of inst's interface ni in a
// tag of inst, unless saved before, and puts ni in group alone, unless it
// is already. It returns the saved groups and whether it moved ni.
func isolateInterface(
	ctx context.Context, c EC2, inst types.Instance, ni types.InstanceNetworkInterface,
	group string,
) (saved string, moved bool, err error) {
	eni := sdk.ToString(ni.NetworkInterfaceId)
	var now []string
	for _, g := range ni.Groups {
		now = append(now, sdk.ToString(g.GroupId))
	}
	isolated := len(now) == 1 && now[0] == group

	// its groups before, saved once
	key := savedGroupsTag(eni)
	saved = tagValue(inst.Tags, key)
	if saved == "" && !isolated {
		saved = strings.Join(now, " ")
		if len(saved) > maxTagValueLength {
			return "", false, permanent("network interface %s has more security groups "+
				"than a tag can save", eni)
		}
		if err := tag(ctx, c, sdk.ToString(inst.InstanceId), key, saved); err != nil {
			return "", false, err
		}
	}
	if isolated {
		return saved, false, nil
	}

	// the isolation group alone
	_, err = c.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{
		NetworkInterfaceId: sdk.String(eni), Groups: []string{group}})
	return saved, true, fail("ec2:ModifyNetworkInterfaceAttribute", err)
}

// maxTagValueLength is EC2's limit on a tag's value, in characters.
const maxTagValueLength = 256

// snapshotVolumes snapshots each EBS volume of inst that has no snapshot
// of this action yet, tagged with the action and the instance. It returns
// the ids of the action's snapshots and how many it made now.
func snapshotVolumes(
	ctx context.Context, c EC2, inst types.Instance, actionID string,
) ([]string, int, error) {
	id := sdk.ToString(inst.InstanceId)

	// the snapshots this action made before
	out, err := c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{
		OwnerIds: []string{"self"},
		Filters: []types.Filter{{Name: sdk.String("tag:" + TagAction),
			Values: []string{actionID}}}})
	if err != nil {
		return nil, 0, fail("ec2:DescribeSnapshots", err)
	}
	var snaps []string
	done := map[string]bool{}
	for _, s := range out.Snapshots {
		snaps = append(snaps, sdk.ToString(s.SnapshotId))
		done[sdk.ToString(s.VolumeId)] = true
	}

	// the others, now
	made := 0
	for _, m := range inst.BlockDeviceMappings {
		vol := ""
		if m.Ebs != nil {
			vol = sdk.ToString(m.Ebs.VolumeId)
		}
		if vol == "" || done[vol] {
			continue
		}
		s, err := c.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{
			VolumeId:    sdk.String(vol),
			Description: sdk.String("Firebreak forensics: " + id + " " + vol),
			TagSpecifications: []types.TagSpecification{{
				ResourceType: types.ResourceTypeSnapshot,
				Tags: []types.Tag{
					{Key: sdk.String(TagAction), Value: sdk.String(actionID)},
					{Key: sdk.String(TagInstance), Value: sdk.String(id)},
				}}}})
		if err != nil {
			return nil, 0, fail("ec2:CreateSnapshot", err)
		}
		snaps = append(snaps, sdk.ToString(s.SnapshotId))
		done[vol] = true
		made++
	}
	return snaps, made, nil
}

// releaseInstance puts each network interface an isolation moved back in
// its saved security groups and removes the isolation's tags. The
// forensic snapshots stay.
func releaseInstance(
	ctx context.Context, p *Provider, r remediation.Request, done remediation.Result,
) (remediation.Result, error) {
	c, inst, err := p.instance(ctx, r)
	if err != nil {
		return remediation.Result{}, err
	}
	id := sdk.ToString(inst.InstanceId)

	// each interface back in its groups
	restored := 0
	for _, ni := range inst.NetworkInterfaces {
		eni := sdk.ToString(ni.NetworkInterfaceId)
		key := savedGroupsTag(eni)
		saved := strings.Fields(cmp.Or(done.Detail[groupsDetail+eni],
			tagValue(inst.Tags, key)))
		if len(saved) == 0 {
			continue
		}
		var now []string
		for _, g := range ni.Groups {
			now = append(now, sdk.ToString(g.GroupId))
		}
		if !slices.Equal(now, saved) {
			_, err := c.EC2.ModifyNetworkInterfaceAttribute(ctx,
				&ec2.ModifyNetworkInterfaceAttributeInput{
					NetworkInterfaceId: sdk.String(eni), Groups: saved})
			if err != nil {
				return remediation.Result{}, fail("ec2:ModifyNetworkInterfaceAttribute", err)
			}
			restored++
		}
		if tagValue(inst.Tags, key) != "" {
			if err := untag(ctx, c.EC2, id, key); err != nil {
				return remediation.Result{}, err
			}
		}
	}

	// the instance no longer marked isolated
	if tagValue(inst.Tags, TagIsolated) != "" {
		if err := untag(ctx, c.EC2, id, TagIsolated); err != nil {
			return remediation.Result{}, err
		}
	}
	if restored == 0 {
		return remediation.Result{Summary: "instance " + id + " was already released"}, nil
	}
	return remediation.Result{Summary: "released instance " + id + ": restored the " +
		"security groups of " + plural(restored, "network interface")}, nil
}

// instance returns the clients of the account and region r's target
// instance is in, and the instance as EC2 describes it.
func (p *Provider) instance(
	ctx context.Context, r remediation.Request,
) (*Clients, types.Instance, error) {
	id := r.Target.Key
	if !strings.HasPrefix(id, "i-") {
		return nil, types.Instance{}, permanent("%s is not an EC2 instance", r.Target.Ref())
	}
	c, err := p.in(ctx, accountOf(r), regionOf(r))
	if err != nil {
		return nil, types.Instance{}, err
	}
	out, err := c.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{
		InstanceIds: []string{id}})
	if err != nil {
		return nil, types.Instance{}, fail("ec2:DescribeInstances", err)
	}
	for _, res := range out.Reservations {
		for _, inst := range res.Instances {
			if sdk.ToString(inst.InstanceId) == id {
				return c, inst, nil
			}
		}
	}
	return nil, types.Instance{}, permanent("EC2 does not know instance %s", id)
}

// isolationGroup returns the id of the isolation security group for an
// instance of vpc: the configured one in the provider's own account, else
// the group named IsolationGroupName in vpc, which the member stack makes.
func (p *Provider) isolationGroup(
	ctx context.Context, c EC2, r remediation.Request, vpc string,
) (string, error) {
	mine, err := p.isOwn(ctx, accountOf(r))
	if err != nil {
		return "", err
	}
	if mine && p.opts.IsolationGroupID != "" {
		return p.opts.IsolationGroupID, nil
	}
	if p.opts.IsolationGroupName == "" {
		return "", permanent("no isolation security group is configured")
	}
	out, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
		Filters: []types.Filter{
			{Name: sdk.String("group-name"), Values: []string{p.opts.IsolationGroupName}},
			{Name: sdk.String("vpc-id"), Values: []string{vpc}},
		}})
	if err != nil {
		return "", fail("ec2:DescribeSecurityGroups", err)
	}
	if len(out.SecurityGroups) == 0 {
		return "", permanent("no isolation security group %s in VPC %s: deploy the member "+
			"stack with the VPC as isolationVpcId", p.opts.IsolationGroupName, vpc)
	}
	return sdk.ToString(out.SecurityGroups[0].GroupId), nil
}

// savedGroupsTag is the instance tag that saves the groups of eni.
func savedGroupsTag(eni string) string { return TagSavedGroups + ":" + eni }

func tag(ctx context.Context, c EC2, resource, key, value string) error {
	_, err := c.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{resource},
		Tags: []types.Tag{{Key: sdk.String(key), Value: sdk.String(value)}}})
	return fail("ec2:CreateTags", err)
}

func untag(ctx context.Context, c EC2, resource, key string) error {
	_, err := c.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{resource},
		Tags: []types.Tag{{Key: sdk.String(key)}}})
	return fail("ec2:DeleteTags", err)
}

// tagValue returns the value of tag key among tags, or "".
func tagValue(tags []types.Tag, key string) string {
	for _, t := range tags {
		if sdk.ToString(t.Key) == key {
			return sdk.ToString(t.Value)
		}
	}
	return ""
}
