package aws

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53resolver"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53resolver/types"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	waftypes "github.com/aws/aws-sdk-go-v2/service/wafv2/types"

	"github.com/firebreak/firebreak/shared/remediation"
	"github.com/firebreak/firebreak/shared/settings"
)

// blockIP adds the target address, as a /32 or /128, to the configured
// WAFv2 IP set of its family.
func blockIP(ctx context.Context, p *Provider, r remediation.Request) (remediation.Result, error) {
	return p.editIPSet(ctx, r, true)
}

// unblockIP removes from the IP set the address blockIP added.
func unblockIP(
	ctx context.Context, p *Provider, r remediation.Request, _ remediation.Result,
) (remediation.Result, error) {
	return p.editIPSet(ctx, r, false)
}

// editIPSet adds r's address to its IP set or removes it.
func (p *Provider) editIPSet(
	ctx context.Context, r remediation.Request, add bool,
) (remediation.Result, error) {
	// the address, and the set of its family
	cidr, set, err := p.ipSetOf(r)
	if err != nil {
		return remediation.Result{}, err
	}
	c, err := p.in(ctx, set.Account, set.Region)
	if err != nil {
		return remediation.Result{}, err
	}

	// the set changed, or found as wanted
	did, err := updateIPSet(ctx, c.WAF, set, func(addrs []string) ([]string, bool) {
		i := slices.IndexFunc(addrs, func(a string) bool { return samePrefix(a, cidr) })
		switch {
		case add && i < 0:
			return append(addrs, cidr), true
		case !add && i >= 0:
			return slices.Delete(addrs, i, i+1), true
		}
		return addrs, false
	})
	if err != nil {
		return remediation.Result{}, err
	}
	detail := map[string]string{"ip_set": set.ARN, "address": cidr,
		"changed": boolString(did)}
	summary := map[[2]bool]string{
		{true, true}: "added " + cidr + " to", {true, false}: cidr + " was already in",
		{false, true}: "removed " + cidr + " from", {false, false}: cidr + " was no longer in",
	}[[2]bool{add, did}]
	return remediation.Result{Summary: summary + " WAF IP set " + set.Name, Detail: detail}, nil
}

// ipSetOf returns r's target address as a CIDR of one address, and the
// configured IP set of its family.
func (p *Provider) ipSetOf(r remediation.Request) (string, settings.IPSet, error) {
	addr, err := netip.ParseAddr(r.Target.Key)
	if err != nil {
		return "", settings.IPSet{}, permanent("%s is not an IP address", r.Target.Ref())
	}
	addr = addr.Unmap()
	arn, key := p.opts.Settings.BlockedIPv4SetARN, "blocked_ipv4_set_arn"
	if addr.Is6() {
		arn, key = p.opts.Settings.BlockedIPv6SetARN, "blocked_ipv6_set_arn"
	}
	if arn == "" {
		return "", settings.IPSet{}, permanent("remediation.aws.%s is not set", key)
	}
	set, err := settings.ParseIPSet(arn)
	if err != nil {
		return "", settings.IPSet{}, permanent("remediation.aws.%s: %v", key, err)
	}
	return netip.PrefixFrom(addr, addr.BitLen()).String(), set, nil
}

// updateIPSet reads set's addresses, lets edit change them, and writes
// them back under the lock token it read; when another writer came first
// (WAFOptimisticLockException) it reads and edits once more. It reports
// whether edit changed anything.
func updateIPSet(
	ctx context.Context, c WAF, set settings.IPSet, edit func([]string) ([]string, bool),
) (bool, error) {
	for attempt := 0; ; attempt++ {
		out, err := c.GetIPSet(ctx, &wafv2.GetIPSetInput{Name: sdk.String(set.Name),
			Id: sdk.String(set.ID), Scope: waftypes.Scope(set.Scope)})
		if err != nil {
			return false, fail("wafv2:GetIPSet", err)
		}
		if out.IPSet == nil {
			return false, permanent("WAF answered no IP set %s", set.Name)
		}
		addrs, did := edit(out.IPSet.Addresses)
		if !did {
			return false, nil
		}
		// the description too: UpdateIPSet replaces every mutable field
		_, err = c.UpdateIPSet(ctx, &wafv2.UpdateIPSetInput{Name: sdk.String(set.Name),
			Id: sdk.String(set.ID), Scope: waftypes.Scope(set.Scope), Addresses: addrs,
			Description: out.IPSet.Description, LockToken: out.LockToken})
		if errorCode(err) == "WAFOptimisticLockException" && attempt == 0 {
			continue
		}
		return err == nil, fail("wafv2:UpdateIPSet", err)
	}
}

// samePrefix reports whether two CIDRs name the same addresses.
func samePrefix(a, b string) bool {
	pa, errA := netip.ParsePrefix(a)
	pb, errB := netip.ParsePrefix(b)
	return errA == nil && errB == nil && pa.Masked() == pb.Masked()
}

// maxDomainPages bounds how many pages of a DNS Firewall domain list
// (ListFirewallDomains' 1,000 domains each) a block reads to find the
// domain there already.
const maxDomainPages = 100

// blockDomain adds the target domain to the configured DNS Firewall
// domain list.
func blockDomain(
	ctx context.Context, p *Provider, r remediation.Request,
) (remediation.Result, error) {
	return p.editDomainList(ctx, r, r53types.FirewallDomainUpdateOperationAdd)
}

// unblockDomain removes from the domain list the domain blockDomain added.
func unblockDomain(
	ctx context.Context, p *Provider, r remediation.Request, _ remediation.Result,
) (remediation.Result, error) {
	return p.editDomainList(ctx, r, r53types.FirewallDomainUpdateOperationRemove)
}

// editDomainList adds r's domain to the domain list or removes it, unless
// it is already as wanted.
func (p *Provider) editDomainList(
	ctx context.Context, r remediation.Request, op r53types.FirewallDomainUpdateOperation,
) (remediation.Result, error) {
	// the domain and the list
	domain := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(r.Target.Key)), ".")
	if domain == "" || strings.ContainsAny(domain, " /:@") {
		return remediation.Result{}, permanent("%s is not a domain", r.Target.Ref())
	}
	list, err := p.domainList()
	if err != nil {
		return remediation.Result{}, err
	}
	c, err := p.in(ctx, list.Account, list.Region)
	if err != nil {
		return remediation.Result{}, err
	}

	// the list as wanted already, or changed
	add := op == r53types.FirewallDomainUpdateOperationAdd
	detail := map[string]string{"domain_list": list.ARN, "domain": domain,
		"changed": unchanged}
	listed, err := domainListed(ctx, c.DNSFirewall, list.ID, domain)
	if err != nil {
		return remediation.Result{}, err
	}
	if listed == add {
		state := map[bool]string{true: " was already in", false: " was no longer in"}[add]
		return remediation.Result{Summary: domain + state + " DNS Firewall domain list " +
			list.ID, Detail: detail}, nil
	}
	_, err = c.DNSFirewall.UpdateFirewallDomains(ctx,
		&route53resolver.UpdateFirewallDomainsInput{FirewallDomainListId: sdk.String(list.ID),
			Operation: op, Domains: []string{domain}})
	if err != nil {
		return remediation.Result{}, fail("route53resolver:UpdateFirewallDomains", err)
	}
	detail["changed"] = changed
	verb := map[bool]string{true: "added " + domain + " to", false: "removed " + domain +
		" from"}[add]
	return remediation.Result{Summary: verb + " DNS Firewall domain list " + list.ID,
		Detail: detail}, nil
}

// domainList returns the configured domain list.
func (p *Provider) domainList() (settings.DomainList, error) {
	arn := p.opts.Settings.BlockedDomainListARN
	if arn == "" {
		return settings.DomainList{}, permanent(
			"remediation.aws.blocked_domain_list_arn is not set")
	}
	list, err := settings.ParseDomainList(arn)
	if err != nil {
		return settings.DomainList{}, permanent("remediation.aws.blocked_domain_list_arn: %v",
			err)
	}
	return list, nil
}

// domainListed reports whether domain is in the domain list id.
func domainListed(ctx context.Context, c DNSFirewall, id, domain string) (bool, error) {
	var next *string
	for range maxDomainPages {
		out, err := c.ListFirewallDomains(ctx, &route53resolver.ListFirewallDomainsInput{
			FirewallDomainListId: sdk.String(id), NextToken: next})
		if err != nil {
			return false, fail("route53resolver:ListFirewallDomains", err)
		}
		for _, d := range out.Domains {
			if strings.TrimSuffix(strings.ToLower(d), ".") == domain {
				return true, nil
			}
		}
		if next = out.NextToken; sdk.ToString(next) == "" {
			return false, nil
		}
	}
	return false, nil
}
