package awsdata

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
)

// keyOrigin answers Origin for an access key: the IPs its calls came from,
// what they were, and the principal that made them.
func (s *Source) keyOrigin(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	tr, err := s.keyTrail(ctx, e)
	if err != nil || tr == nil {
		return datasource.Finding{}, err
	}
	return datasource.Finding{
		Evidence: callEvidence(*tr, s.window),
		Related:  append(callerIPs(*tr, s.window, calledFrom), owners(*tr)...),
	}, nil
}

// keyAffected answers Affected for an access key: the resources its calls
// named.
func (s *Source) keyAffected(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	tr, err := s.keyTrail(ctx, e)
	if err != nil || tr == nil {
		return datasource.Finding{}, err
	}
	return datasource.Finding{Related: accessed(*tr)}, nil
}

// keyHunt answers Hunt for an access key: the other access keys the
// principal that owns it called AWS with.
func (s *Source) keyHunt(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	if !isAccessKey(e.Key) {
		return datasource.Finding{}, nil
	}
	t, err := s.target(ctx, e)
	if err != nil {
		return datasource.Finding{}, err
	}

	// the principal, from the alert or else from the key's own calls
	owner := parsePrincipal(e.Attributes["user"])
	if owner.trailUsername() == "" {
		tr, err := s.lookup(ctx, t, types.LookupAttributeKeyAccessKeyId, e.Key)
		if err != nil {
			return datasource.Finding{}, err
		}
		owner = firstPrincipal(tr)
	}
	if owner.trailUsername() == "" {
		return datasource.Finding{}, nil
	}

	// the principal's calls with other keys
	tr, err := s.lookup(ctx, t, types.LookupAttributeKeyUsername, owner.trailUsername())
	if err != nil {
		return datasource.Finding{}, err
	}
	return datasource.Finding{Related: otherKeys(tr.by(owner), e.Key, s.window)}, nil
}

// userOrigin answers Origin for a principal: the IPs it signed in and
// called AWS from, and what it called.
func (s *Source) userOrigin(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	tr, err := s.userTrail(ctx, e)
	if err != nil || tr == nil {
		return datasource.Finding{}, err
	}
	return datasource.Finding{
		Evidence: callEvidence(*tr, s.window),
		Related:  callerIPs(*tr, s.window, signedInFrom),
	}, nil
}

// userAffected answers Affected for a principal: the resources its calls
// named.
func (s *Source) userAffected(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	tr, err := s.userTrail(ctx, e)
	if err != nil || tr == nil {
		return datasource.Finding{}, err
	}
	return datasource.Finding{Related: accessed(*tr)}, nil
}

// keyTrail returns the calls made with access key e, or nil when e is no
// AWS access key.
func (s *Source) keyTrail(ctx context.Context, e alert.Entity) (*trail, error) {
	if !isAccessKey(e.Key) {
		return nil, nil
	}
	t, err := s.target(ctx, e)
	if err != nil {
		return nil, err
	}
	tr, err := s.lookup(ctx, t, types.LookupAttributeKeyAccessKeyId, e.Key)
	if err != nil {
		return nil, err
	}
	return &tr, nil
}

// userTrail returns the calls principal e made, or nil when e is no
// principal CloudTrail records by name (a role, root, a user from outside
// AWS).
func (s *Source) userTrail(ctx context.Context, e alert.Entity) (*trail, error) {
	p := principalOf(e)
	if p.trailUsername() == "" {
		return nil, nil
	}
	t, err := s.target(ctx, e)
	if err != nil {
		return nil, err
	}
	tr, err := s.lookup(ctx, t, types.LookupAttributeKeyUsername, p.trailUsername())
	if err != nil {
		return nil, err
	}
	tr = tr.by(p)
	return &tr, nil
}

// firstPrincipal returns the principal of tr's first call that names one.
func firstPrincipal(tr trail) principal {
	for _, e := range tr.events {
		if e.principal.kind != "" {
			return e.principal
		}
	}
	return principal{}
}
