package awsdata

import (
	"cmp"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
)

// maxTags is how many of an instance's tags evidence lists.
const maxTags = 10

// describeHost answers Describe for an EC2 instance: its state, type,
// network, security groups, instance profile and tags. An instance tagged
// firebreak:critical=true, or Criticality critical or high, is Critical.
func (s *Source) describeHost(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	_, inst, err := s.instance(ctx, e)
	if err != nil || inst == nil {
		return datasource.Finding{}, err
	}
	return datasource.Finding{
		Evidence: []investigation.Evidence{{Verdict: investigation.VerdictUnknown,
			Source: "ec2", Text: instanceSummary(*inst)}},
		Critical:   critical(inst.Tags),
		Attributes: instanceAttributes(*inst),
	}, nil
}

// hostAffected answers Affected for an EC2 instance: the role its
// instance profile holds, related as "runs_as".
func (s *Source) hostAffected(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	t, inst, err := s.instance(ctx, e)
	if err != nil || inst == nil || inst.IamInstanceProfile == nil {
		return datasource.Finding{}, err
	}

	// the profile's roles
	name := path.Base(aws.ToString(inst.IamInstanceProfile.Arn))
	out, err := t.IAM.GetInstanceProfile(ctx,
		&iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if notFound(err) || (err == nil && out.InstanceProfile == nil) {
		return datasource.Finding{}, nil
	}
	if err != nil {
		return datasource.Finding{}, t.fail("iam:GetInstanceProfile",
			fmt.Errorf("get instance profile %s: %w", name, err))
	}
	var f datasource.Finding
	for _, r := range out.InstanceProfile.Roles {
		f.Related = append(f.Related, datasource.Related{
			Entity: userEntity(parsePrincipal(aws.ToString(r.Arn))), Kind: "runs_as"})
	}
	return f, nil
}

// instance returns EC2's description of instance e and the clients that
// asked; nil when e is no instance EC2 knows.
func (s *Source) instance(ctx context.Context, e alert.Entity) (target, *types.Instance,
	error) {
	if !isInstance(e.Key) {
		return target{}, nil, nil
	}
	t, err := s.target(ctx, e)
	if err != nil {
		return target{}, nil, err
	}
	out, err := t.EC2.DescribeInstances(ctx,
		&ec2.DescribeInstancesInput{InstanceIds: []string{e.Key}})
	if notFound(err) {
		return t, nil, nil
	}
	if err != nil {
		return t, nil, t.fail("ec2:DescribeInstances",
			fmt.Errorf("describe instance %s: %w", e.Key, err))
	}
	for _, r := range out.Reservations {
		for i := range r.Instances {
			if aws.ToString(r.Instances[i].InstanceId) == e.Key {
				return t, &r.Instances[i], nil
			}
		}
	}
	return t, nil, nil
}

// instanceSummary says in one line what an instance is: "running t3.micro
// instance in vpc-…, public IP …; security groups …; instance profile …;
// tags …".
func instanceSummary(inst types.Instance) string {
	// what and where
	state := "unknown"
	if inst.State != nil {
		state = string(inst.State.Name)
	}
	parts := []string{fmt.Sprintf("%s %s instance in %s", state, inst.InstanceType,
		cmp.Or(aws.ToString(inst.VpcId), "no VPC"))}
	if ip := aws.ToString(inst.PublicIpAddress); ip != "" {
		parts[0] += ", public IP " + ip
	}

	// how it is reached and what it may do
	var groups []string
	for _, g := range inst.SecurityGroups {
		groups = append(groups, fmt.Sprintf("%s (%s)", aws.ToString(g.GroupId),
			aws.ToString(g.GroupName)))
	}
	if len(groups) > 0 {
		parts = append(parts, "security groups "+strings.Join(groups, ", "))
	}
	if p := inst.IamInstanceProfile; p != nil {
		parts = append(parts, "instance profile "+path.Base(aws.ToString(p.Arn)))
	}
	if len(inst.Tags) > 0 {
		parts = append(parts, "tags "+tagList(inst.Tags))
	}
	return strings.Join(parts, "; ")
}

// instanceAttributes are the facts of an instance an isolation consults:
// its state, network and security groups (ids joined with "\n").
func instanceAttributes(inst types.Instance) map[string]string {
	var state, profile string
	if inst.State != nil {
		state = string(inst.State.Name)
	}
	if inst.IamInstanceProfile != nil {
		profile = aws.ToString(inst.IamInstanceProfile.Arn)
	}
	var groups []string
	for _, g := range inst.SecurityGroups {
		groups = append(groups, aws.ToString(g.GroupId))
	}
	return alert.Attrs("state", state, "instance_type", string(inst.InstanceType),
		"vpc_id", aws.ToString(inst.VpcId), "subnet_id", aws.ToString(inst.SubnetId),
		"security_groups", strings.Join(groups, "\n"), "instance_profile_arn", profile)
}

// tagList lists up to maxTags tags as key=value, by key.
func tagList(tags []types.Tag) string {
	var kv []string
	for _, t := range tags {
		kv = append(kv, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	slices.Sort(kv)
	if len(kv) > maxTags {
		kv = append(kv[:maxTags], fmt.Sprintf("and %d more", len(kv)-maxTags))
	}
	return strings.Join(kv, ", ")
}

// critical reports whether tags mark an instance a critical asset.
func critical(tags []types.Tag) bool {
	for _, t := range tags {
		k, v := aws.ToString(t.Key), strings.ToLower(aws.ToString(t.Value))
		switch {
		case strings.EqualFold(k, "firebreak:critical") && v == "true":
			return true
		case strings.EqualFold(k, "Criticality") && (v == "critical" || v == "high"):
			return true
		}
	}
	return false
}
