// Package aws is the remediation provider that acts on AWS itself: IAM
// (disable an access key, deny a user or role everything, revoke a role's
// sessions), EC2 (isolate an instance and release it), S3 (quarantine or
// delete an object), WAFv2 (block an IP address), Route 53 Resolver DNS
// Firewall (block a domain) and Cognito user pools (reset a password, sign
// a user out everywhere, require MFA, disable a user).
//
// An action runs in the account and region its resource lives in: in the
// provider's own account with the provider's credentials, in any other by
// assuming the remediation role there (see Options.RoleName). Every Do is
// safe to repeat: it looks before it changes, and an action that already
// took effect changes nothing and says so. Each action's IAM needs are
// declared next to it (Permissions), and the CDK app grants exactly those.
//
// Errors: a refusal that retrying cannot cure (not found, access denied,
// invalid) is a *remediation.PermanentError carrying the service's reason;
// throttling, 5xx answers and timeouts are returned as plain errors, which
// the state machine retries.
package aws

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/remediation"
	"github.com/firebreak/firebreak/shared/settings"
)

// ProviderName is the provider's name in routing and in its errors.
const ProviderName = "aws"

// Options configure a Provider. Every field but Account may be zero: an
// action that needs a missing one fails permanently, saying which.
type Options struct {
	// Account is the account the provider's credentials belong to. A
	// request in another account assumes RoleName there. New asks STS
	// (GetCallerIdentity) when it is "", once, at the first request that
	// names an account.
	Account string
	// Region is where a request that names no region acts.
	Region string
	// RoleName is the remediation role the member stack creates in each
	// member account (stack.EnvRemediationRoleName).
	RoleName string
	// IsolationGroupID is the isolation security group of the provider's
	// own account (stack.EnvIsolationGroupID). In another account the
	// group is found by IsolationGroupName in the instance's VPC.
	IsolationGroupID   string
	IsolationGroupName string
	// QuarantineBucket is the bucket quarantined objects are copied to
	// (stack.EnvQuarantineBucket).
	QuarantineBucket string
	// Settings are firebreak.yaml's remediation.aws section: the WAF IP
	// sets, the DNS Firewall domain list and the Cognito user pools.
	Settings settings.AWSRemediation
	// Clock tells the time sessions are revoked before; nil is time.Now.
	Clock func() time.Time
}

// Provider is the AWS remediation provider. It is safe for concurrent use.
type Provider struct {
	opts    Options
	clients ClientsFunc
	// whoami returns the provider's own account when Options has none.
	whoami func(context.Context) (string, error)

	mu    sync.Mutex
	cache map[scope]*Clients
}

var _ remediation.Provider = (*Provider)(nil)

// New returns a Provider that calls AWS with cfg in its own account and
// with the remediation role's credentials, assumed through cfg's STS, in
// any other.
func New(cfg sdk.Config, o Options) *Provider {
	p := NewWithClients(AssumeRoleClients(cfg, o.Account, o.RoleName), o)
	if o.Account == "" {
		p.clients = AssumeRoleClients(cfg, "", o.RoleName)
		p.whoami = callerAccount(sts.NewFromConfig(cfg))
	}
	return p
}

// NewWithClients returns a Provider that calls AWS through the clients
// that clients returns for each account and region.
func NewWithClients(clients ClientsFunc, o Options) *Provider {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return &Provider{opts: o, clients: clients, cache: map[scope]*Clients{}}
}

func (p *Provider) now() time.Time { return p.opts.Clock() }

// Name returns "aws".
func (p *Provider) Name() string { return ProviderName }

// handler carries out one action type on one kind of target.
type handler struct {
	do   func(ctx context.Context, p *Provider, r remediation.Request) (remediation.Result, error)
	undo func(ctx context.Context, p *Provider, r remediation.Request,
		done remediation.Result) (remediation.Result, error)
}

// Supports reports whether the provider carries out actions of type t on
// some target. Handles says whether it can carry out one request.
func (p *Provider) Supports(t investigation.ActionType) bool {
	return slices.Contains(supported, t)
}

// Handles reports whether the provider can carry out r: its type is
// supported and its target is something of AWS (an IAM principal or
// access key, a Cognito user, an instance, an S3 object) or, for block_ip
// and block_domain, the WAF IP set or DNS Firewall list is configured.
func (p *Provider) Handles(r remediation.Request) bool {
	_, err := p.handler(r)
	return err == nil
}

// Do carries out r once; a repeat finds it done and changes nothing. A dry
// run says what it would do and calls nothing.
func (p *Provider) Do(ctx context.Context, r remediation.Request) (remediation.Result, error) {
	h, err := p.handler(r)
	if err != nil {
		return remediation.Result{}, err
	}
	if r.DryRun {
		return remediation.Result{Summary: fmt.Sprintf("dry run: would %s %s",
			r.Type, r.Target.Ref()), Detail: map[string]string{"dry_run": "true"}}, nil
	}
	return h.do(ctx, p, r)
}

// Undo reverses the Do of r whose Result is done. An action that cannot
// be undone (resetting a password, revoking sessions, deleting an object)
// fails permanently.
func (p *Provider) Undo(
	ctx context.Context, r remediation.Request, done remediation.Result,
) (remediation.Result, error) {
	h, err := p.handler(r)
	if err != nil {
		return remediation.Result{}, err
	}
	if h.undo == nil {
		return remediation.Result{}, permanent("%s cannot be undone", r.Type)
	}
	if r.DryRun || done.Detail["dry_run"] == "true" {
		return remediation.Result{Summary: "dry run: nothing to undo"}, nil
	}
	return h.undo(ctx, p, r, done)
}

// handler returns the handler for r's type and target, or a permanent
// error saying why there is none.
func (p *Provider) handler(r remediation.Request) (handler, error) {
	cognito := isCognitoUser(r.Target)
	_, iamPrincipal := principalOf(r.Target)
	switch r.Type {
	case investigation.ActionDisableAccessKey:
		if hasPrefix(r.Target.Key, "AKIA", "ASIA") {
			return handler{disableAccessKey, enableAccessKey}, nil
		}
	case investigation.ActionDisableUser:
		switch {
		case cognito:
			return handler{disableCognitoUser, enableCognitoUser}, nil
		case iamPrincipal:
			return handler{denyPrincipal, allowPrincipal}, nil
		}
	case investigation.ActionRevokeSessions:
		switch {
		case cognito:
			return handler{signOutCognitoUser, nil}, nil
		case iamPrincipal:
			return handler{revokeRoleSessions, nil}, nil
		}
	case investigation.ActionResetPassword:
		if cognito {
			return handler{resetCognitoPassword, nil}, nil
		}
	case investigation.ActionRequireMFA:
		if cognito {
			return handler{requireCognitoMFA, releaseCognitoMFA}, nil
		}
	case investigation.ActionIsolateHost:
		if strings.HasPrefix(r.Target.Key, "i-") {
			return handler{isolateInstance, releaseInstance}, nil
		}
	case investigation.ActionQuarantineFile:
		if len(s3Objects(r)) > 0 {
			return handler{quarantineObjects, restoreObjects}, nil
		}
	case investigation.ActionDeleteFile:
		if len(s3Objects(r)) > 0 {
			return handler{deleteObjects, nil}, nil
		}
	case investigation.ActionBlockIP:
		if _, _, err := p.ipSetOf(r); err != nil {
			return handler{}, err
		}
		return handler{blockIP, unblockIP}, nil
	case investigation.ActionBlockDomain:
		if _, err := p.domainList(); err != nil {
			return handler{}, err
		}
		return handler{blockDomain, unblockDomain}, nil
	}
	return handler{}, permanent("%s of %s is not an AWS action", r.Type, r.Target.Ref())
}

// permanent returns a *remediation.PermanentError with a formatted reason.
func permanent(format string, args ...any) error {
	return &remediation.PermanentError{Provider: ProviderName,
		Reason: fmt.Sprintf(format, args...)}
}

// changed and unchanged are the values of a Result's "changed" detail:
// whether this run changed anything, or found the action already done.
const (
	changed   = "true"
	unchanged = "false"
)

// accountOf returns the account r's resource lives in: the request's,
// else the target's account_id attribute, else the account its ARN names;
// "" for the provider's own.
func accountOf(r remediation.Request) string {
	if r.Account != "" {
		return r.Account
	}
	if a := r.Target.Attributes["account_id"]; a != "" {
		return a
	}
	if pr, ok := principalOf(r.Target); ok {
		return pr.account
	}
	return ""
}

// regionOf returns the region r's resource lives in, "" when neither the
// request nor the target's region attribute says.
func regionOf(r remediation.Request) string {
	return cmp.Or(r.Region, r.Target.Attributes["region"])
}

// boolString is "true" or "false".
func boolString(b bool) string {
	if b {
		return changed
	}
	return unchanged
}

// hasPrefix reports whether s starts with one of prefixes.
func hasPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// plural returns n and noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
