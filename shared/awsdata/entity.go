package awsdata

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/firebreak/firebreak/shared/alert"
)

// locate returns the account and region of e: its account_id and region
// attributes, else what its ARNs say, else region def.
func locate(e alert.Entity, def string) scope {
	sc := scope{account: e.Attributes["account_id"], region: e.Attributes["region"]}
	for _, s := range []string{e.Attributes["arn"], e.Key, e.Attributes["user"]} {
		a, err := arn.Parse(s)
		if err != nil {
			continue
		}
		if sc.account == "" {
			sc.account = a.AccountID
		}
		if sc.region == "" {
			sc.region = a.Region
		}
	}
	if sc.region == "" {
		sc.region = def
	}
	return sc
}

// Principal types, as CloudTrail's userIdentity.type and GuardDuty's
// user_type name them; kindRole is a role itself, not a session of it.
const (
	kindUser      = "IAMUser"
	kindRole      = "Role"
	kindSession   = "AssumedRole"
	kindFederated = "FederatedUser"
	kindRoot      = "Root"
)

// principal is an AWS principal named by its ARN.
type principal struct {
	arn       string // as given
	partition string
	account   string
	kind      string // one of the kinds above; "" when the ARN is no principal
	// name is the user's or role's name without its path, or the
	// federated user's name.
	name string
	// session is a role session's name.
	session string
}

// parsePrincipal parses the ARN of an IAM user, a role, a role session
// (arn:aws:sts::acct:assumed-role/role/session), a federated user or an
// account's root. Anything else gives a principal of no kind.
func parsePrincipal(s string) principal {
	a, err := arn.Parse(s)
	if err != nil || (a.Service != "iam" && a.Service != "sts") {
		return principal{arn: s}
	}
	p := principal{arn: s, partition: a.Partition, account: a.AccountID}
	parts := strings.Split(a.Resource, "/")
	last := parts[len(parts)-1]
	switch {
	case a.Resource == "root":
		p.kind, p.name = kindRoot, "root"
	case parts[0] == "user" && len(parts) >= 2:
		p.kind, p.name = kindUser, last
	case parts[0] == "role" && len(parts) >= 2:
		p.kind, p.name = kindRole, last
	case parts[0] == "assumed-role" && len(parts) == 3:
		p.kind, p.name, p.session = kindSession, parts[1], parts[2]
	case parts[0] == "federated-user" && len(parts) == 2:
		p.kind, p.name = kindFederated, last
	}
	return p
}

// principalOf returns the principal a user entity names. Its key is
// lower-cased; the arn attribute keeps the case IAM gave the name.
func principalOf(e alert.Entity) principal {
	if a := e.Attributes["arn"]; strings.EqualFold(a, e.Key) {
		return parsePrincipal(a)
	}
	return parsePrincipal(e.Key)
}

// trailUsername returns the Username CloudTrail records the principal's
// calls under, or "" for a role or root, whose calls it cannot look up
// by name.
func (p principal) trailUsername() string {
	switch p.kind {
	case kindUser, kindFederated:
		return p.name
	case kindSession:
		return p.session
	}
	return ""
}

// same reports whether q is the principal p. The path of an IAM user is
// ignored, as findings name users without one.
func (p principal) same(q principal) bool {
	return p.kind != "" && p.kind == q.kind && p.account == q.account &&
		strings.EqualFold(p.name, q.name) && strings.EqualFold(p.session, q.session)
}

// displayName names the principal as the alert parsers do.
func (p principal) displayName() string {
	if p.kind == kindSession {
		return p.name + "/" + p.session
	}
	return p.name
}

// userEntity returns the user entity of a principal.
func userEntity(p principal) alert.Entity {
	return alert.Entity{
		Type:       alert.EntityUser,
		Key:        strings.ToLower(p.arn),
		Name:       p.displayName(),
		Attributes: alert.Attrs("account_id", p.account, "arn", p.arn, "user_type", p.kind),
	}
}

// accessKeyEntity returns the entity of access key id, owned by p.
func accessKeyEntity(id string, p principal) alert.Entity {
	return alert.Entity{
		Type:       alert.EntityAccessKey,
		Key:        id,
		Attributes: alert.Attrs("account_id", p.account, "user", p.arn, "user_type", p.kind),
	}
}

// isAccessKey reports whether id is an AWS access key id: a long-term
// one (AKIA) or a temporary one (ASIA).
func isAccessKey(id string) bool {
	return strings.HasPrefix(id, "AKIA") || strings.HasPrefix(id, "ASIA")
}

// isInstance reports whether id is an EC2 instance id, not some other
// host's device id.
func isInstance(id string) bool { return strings.HasPrefix(id, "i-") }

// ipKey returns the canonical form of a source IP address, as alerts key
// it, or "" for what is no address: CloudTrail records a call an AWS
// service made on a principal's behalf with the service's name
// ("s3.amazonaws.com", "AWS Internal").
func ipKey(s string) string { return alert.Key(alert.EntityIP, s) }
