// Package awsdata answers an investigation's questions from AWS itself:
// IAM for users and their access keys, EC2 for instances, and CloudTrail's
// event history for what a key or a principal did, from where, to what.
//
// It knows four kinds of entity. An access key (AKIA… or ASIA…) is
// described by IAM and traced through CloudTrail; an IAM user is described
// by IAM, and a user, role session or federated user is traced through
// CloudTrail; an EC2 instance (i-…) is described by EC2. Of anything else
// it knows nothing.
//
// Every question goes to AWS: the source keeps clients, never answers.
// CloudTrail's event history is regional and holds management events
// only: a key's calls in another region than the entity's, and its S3
// object reads, are not found; calls to IAM, a global service, are
// recorded in us-east-1.
package awsdata

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
)

// Defaults of a Source.
const (
	// DefaultWindow is how far back CloudTrail is searched.
	DefaultWindow = 24 * time.Hour
	// DefaultMaxPages is how many pages of CloudTrail events one question
	// reads at most: at 50 events a page, 250 events.
	DefaultMaxPages = 5
)

// Source is the AWS data source. It is safe for concurrent use.
//
// Errors: one AWS refused for lack of permission is an *AccessError, which
// retrying does not cure. Every other error from AWS is returned wrapped,
// so that store.Transient still tells throttling, 5xx answers and timeouts
// from the rest.
type Source struct {
	clients  ClientsFunc
	now      func() time.Time
	window   time.Duration
	maxPages int
	region   string

	mu    sync.Mutex
	cache map[scope]Clients
}

var _ datasource.DataSource = (*Source)(nil)

// Option configures a Source.
type Option func(*Source)

// WithClock makes the source read the time from now, which ends the window
// CloudTrail is searched in.
func WithClock(now func() time.Time) Option {
	return func(s *Source) { s.now = now }
}

// WithWindow sets how far back CloudTrail is searched, at most the 90 days
// its event history keeps; a d that is not positive keeps DefaultWindow.
func WithWindow(d time.Duration) Option {
	return func(s *Source) {
		if d > 0 {
			s.window = d
		}
	}
}

// WithMaxPages sets how many pages of CloudTrail events one question reads
// at most; an n that is not positive keeps DefaultMaxPages. CloudTrail
// answers two lookups a second per account and region, and throttles more.
func WithMaxPages(n int) Option {
	return func(s *Source) {
		if n > 0 {
			s.maxPages = n
		}
	}
}

// WithRegion sets the region asked about entities that name none, such as
// an access key from a GuardDuty finding. New defaults it to cfg's region.
func WithRegion(region string) Option {
	return func(s *Source) { s.region = region }
}

// New returns a Source that asks AWS with cfg in every account, and in
// cfg's region when an entity names none. See ConfigClients: until the
// remediation role brings a role to assume in each account, only cfg's own
// account can be read.
func New(cfg aws.Config, opts ...Option) *Source {
	opts = append([]Option{WithRegion(cfg.Region)}, opts...)
	return NewWithClients(ConfigClients(cfg), opts...)
}

// DataSource returns New(cfg) as a data source, the shape
// coldstart.StepParts builds it in.
func DataSource(cfg aws.Config) datasource.DataSource { return New(cfg) }

// NewWithClients returns a Source that asks AWS through the clients that
// clients returns for each account and region.
func NewWithClients(clients ClientsFunc, opts ...Option) *Source {
	s := &Source{clients: clients, now: time.Now, window: DefaultWindow,
		maxPages: DefaultMaxPages, cache: map[scope]Clients{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Name returns "aws".
func (s *Source) Name() string { return "aws" }

// Describe says what IAM knows of an access key (status, age, last use) or
// an IAM user (age, console use, MFA, administrator policy, its keys), and
// what EC2 knows of an instance (state, security groups, profile, tags).
// An administrator, or an instance tagged critical, gives Critical.
//
// The finding's Attributes are, for a key, "status" (IAM's Active or
// Inactive), "created" and "last_used"; for a user, "mfa" and
// "administrator" ("true" or "false") and "created"; for an instance,
// "state", "instance_type", "vpc_id", "subnet_id", "security_groups" (ids
// joined with "\n") and "instance_profile_arn". Times are RFC 3339, UTC.
func (s *Source) Describe(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	switch e.Type {
	case alert.EntityAccessKey:
		return s.describeKey(ctx, e)
	case alert.EntityUser:
		return s.describeUser(ctx, e)
	case alert.EntityHost:
		return s.describeHost(ctx, e)
	}
	return datasource.Finding{}, nil
}

// Origin says, from CloudTrail, which IPs an access key or a principal
// called AWS from, what it called and how much was denied; for a key, also
// the principal that owns it.
func (s *Source) Origin(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	switch e.Type {
	case alert.EntityAccessKey:
		return s.keyOrigin(ctx, e)
	case alert.EntityUser:
		return s.userOrigin(ctx, e)
	}
	return datasource.Finding{}, nil
}

// Affected says which resources an access key or a principal named in its
// CloudTrail events, and which role an instance runs as.
func (s *Source) Affected(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	switch e.Type {
	case alert.EntityAccessKey:
		return s.keyAffected(ctx, e)
	case alert.EntityUser:
		return s.userAffected(ctx, e)
	case alert.EntityHost:
		return s.hostAffected(ctx, e)
	}
	return datasource.Finding{}, nil
}

// Hunt finds, for an access key, the other access keys its principal
// called AWS with. Of other entities, users included, it finds nothing.
func (s *Source) Hunt(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	if e.Type == alert.EntityAccessKey {
		return s.keyHunt(ctx, e)
	}
	return datasource.Finding{}, nil
}

// scope is an account and region questions are asked in.
type scope struct{ account, region string }

// target is the clients of one scope, with the scope for error messages.
type target struct {
	Clients
	scope
}

// target returns the clients for the account and region e belongs to.
func (s *Source) target(ctx context.Context, e alert.Entity) (target, error) {
	sc := locate(e, s.region)
	s.mu.Lock()
	c, ok := s.cache[sc]
	s.mu.Unlock()
	if ok {
		return target{c, sc}, nil
	}

	// build outside the lock: a ClientsFunc may call STS
	c, err := s.clients(ctx, sc.account, sc.region)
	if err != nil {
		return target{}, fmt.Errorf("make AWS clients for account %q in %s: %w",
			sc.account, sc.region, err)
	}
	s.mu.Lock()
	s.cache[sc] = c
	s.mu.Unlock()
	return target{c, sc}, nil
}
