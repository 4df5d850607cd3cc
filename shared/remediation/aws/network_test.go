package aws_test

import (
	"testing"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// ipSet is GetIPSet's answer holding addrs under lock token.
func ipSet(token, addrs string) string {
	return `{"IPSet":{"Name":"firebreak-blocked","Id":"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",` +
		`"ARN":"arn","IPAddressVersion":"IPV4","Description":"blocked by Firebreak",` +
		`"Addresses":[` + addrs + `]},"LockToken":"` + token + `"}`
}

const getIPSet = `{"Name":"firebreak-blocked","Scope":"REGIONAL",` +
	`"Id":"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"}`

func TestBlockIPOnceRetryingALostLockAndUndo(t *testing.T) {
	p, f := newProvider(t)
	ip := alert.Entity{Type: alert.EntityIP, Key: "198.51.100.7"}
	r := newRequest(investigation.ActionBlockIP, ip)

	// run once: another writer wins the first update
	f.on("GetIPSet", 200, ipSet("t1", `"192.0.2.0/24"`))
	f.on("UpdateIPSet", 400, jsonError("WAFOptimisticLockException", "stale token"))
	f.on("GetIPSet", 200, ipSet("t2", `"192.0.2.0/24","203.0.113.9/32"`))
	f.on("UpdateIPSet", 200, `{"NextLockToken":"t3"}`)
	res := do(t, p, r)
	checkSummary(t, res, "added 198.51.100.7/32 to WAF IP set firebreak-blocked", "true")
	checkJSON(t, f.calls("GetIPSet"), 0, getIPSet)
	updates := f.calls("UpdateIPSet")
	checkJSON(t, updates, 1, `{"Name":"firebreak-blocked","Scope":"REGIONAL",`+
		`"Id":"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111","Description":"blocked by Firebreak",`+
		`"Addresses":["192.0.2.0/24","203.0.113.9/32","198.51.100.7/32"],"LockToken":"t2"}`)
	checkOps(t, f, "GetIPSet", "UpdateIPSet", "GetIPSet", "UpdateIPSet")

	// again: in the set already
	f.on("GetIPSet", 200, ipSet("t3", `"198.51.100.7/32"`))
	res2 := do(t, p, r)
	checkSummary(t, res2, "198.51.100.7/32 was already in WAF IP set firebreak-blocked",
		"false")
	checkOps(t, f, "GetIPSet")

	// undone: removed
	f.on("GetIPSet", 200, ipSet("t3", `"192.0.2.0/24","198.51.100.7/32"`))
	f.on("UpdateIPSet", 200, `{"NextLockToken":"t4"}`)
	undo(t, p, r, res)
	checkJSON(t, f.calls("UpdateIPSet"), 0, `{"Name":"firebreak-blocked","Scope":"REGIONAL",`+
		`"Id":"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111","Description":"blocked by Firebreak",`+
		`"Addresses":["192.0.2.0/24"],"LockToken":"t3"}`)
	checkOps(t, f, "GetIPSet", "UpdateIPSet")
}

func TestBlockIPv6GoesToTheIPv6Set(t *testing.T) {
	p, f := newProvider(t)
	ip := alert.Entity{Type: alert.EntityIP, Key: "2001:db8::7"}
	f.on("GetIPSet", 200, `{"IPSet":{"Addresses":[]},"LockToken":"t1"}`)
	f.on("UpdateIPSet", 200, `{"NextLockToken":"t2"}`)
	do(t, p, newRequest(investigation.ActionBlockIP, ip))
	checkJSON(t, f.calls("UpdateIPSet"), 0, `{"Name":"firebreak-blocked-v6",`+
		`"Scope":"CLOUDFRONT","Id":"a1b2c3d4-5678-90ab-cdef-EXAMPLE22222",`+
		`"Addresses":["2001:db8::7/128"],"LockToken":"t1"}`)
}

func TestBlockIPTwiceLostLockIsTransient(t *testing.T) {
	p, f := newProvider(t)
	ip := alert.Entity{Type: alert.EntityIP, Key: "198.51.100.7"}
	for range 2 {
		f.on("GetIPSet", 200, ipSet("t1", ""))
		f.on("UpdateIPSet", 400, jsonError("WAFOptimisticLockException", "stale token"))
	}
	_, err := p.Do(t.Context(), newRequest(investigation.ActionBlockIP, ip))
	if err == nil || isPermanent(err) {
		t.Errorf("Do: got %v, want a transient error", err)
	}
}

func TestBlockDomainOnceAndUndo(t *testing.T) {
	p, f := newProvider(t)
	d := alert.Entity{Type: alert.EntityDomain, Key: "dl.malicious.example"}
	r := newRequest(investigation.ActionBlockDomain, d)

	// run once: not on the list's two pages, so added
	f.on("ListFirewallDomains", 200, `{"Domains":["a.example."],"NextToken":"n1"}`)
	f.on("ListFirewallDomains", 200, `{"Domains":["b.example."]}`)
	f.on("UpdateFirewallDomains", 200, `{"Status":"UPDATING"}`)
	res := do(t, p, r)
	checkSummary(t, res, "added dl.malicious.example to DNS Firewall domain list "+
		"rslvr-fdl-0123456789abcdef", "true")
	lists := f.calls("ListFirewallDomains")
	checkJSON(t, lists, 1, `{"FirewallDomainListId":"rslvr-fdl-0123456789abcdef",`+
		`"NextToken":"n1"}`)
	checkJSON(t, f.calls("UpdateFirewallDomains"), 0,
		`{"FirewallDomainListId":"rslvr-fdl-0123456789abcdef","Operation":"ADD",`+
			`"Domains":["dl.malicious.example"]}`)
	checkOps(t, f, "ListFirewallDomains", "ListFirewallDomains", "UpdateFirewallDomains")

	// again: listed
	f.on("ListFirewallDomains", 200, `{"Domains":["dl.malicious.example."]}`)
	res2 := do(t, p, r)
	checkSummary(t, res2, "dl.malicious.example was already in DNS Firewall domain list "+
		"rslvr-fdl-0123456789abcdef", "false")
	checkOps(t, f, "ListFirewallDomains")

	// undone: removed
	f.on("ListFirewallDomains", 200, `{"Domains":["dl.malicious.example."]}`)
	f.on("UpdateFirewallDomains", 200, `{"Status":"UPDATING"}`)
	undo(t, p, r, res)
	checkJSON(t, f.calls("UpdateFirewallDomains"), 0,
		`{"FirewallDomainListId":"rslvr-fdl-0123456789abcdef","Operation":"REMOVE",`+
			`"Domains":["dl.malicious.example"]}`)
	checkOps(t, f, "ListFirewallDomains", "UpdateFirewallDomains")
}

func TestBlockDomainNotFoundListIsPermanent(t *testing.T) {
	p, f := newProvider(t)
	d := alert.Entity{Type: alert.EntityDomain, Key: "dl.malicious.example"}
	f.on("ListFirewallDomains", 400, jsonError("ResourceNotFoundException", "no such list"))
	_, err := p.Do(t.Context(), newRequest(investigation.ActionBlockDomain, d))
	want := "aws: route53resolver:ListFirewallDomains: ResourceNotFoundException: no such list"
	if !isPermanent(err) || err.Error() != want {
		t.Errorf("Do: got %v, want permanent %q", err, want)
	}
}
