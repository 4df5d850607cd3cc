package tenant

import (
	"context"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
)

// hostItem is a host, without its files and processes. IsolatedAt is set
// while remediation isolates it.
type hostItem struct {
	itemKey
	Name       string     `dynamodbav:"name"`
	OS         string     `dynamodbav:"os"`
	Critical   bool       `dynamodbav:"critical"`
	Users      []string   `dynamodbav:"users"`
	IPs        []string   `dynamodbav:"ips"`
	DNSQueries []string   `dynamodbav:"dns_queries"`
	IsolatedAt *time.Time `dynamodbav:"isolated_at,omitempty"`
}

// processItem is a process, kept on its own partition and its host's.
// KilledAt is set on both once remediation killed it.
type processItem struct {
	itemKey
	Host string `dynamodbav:"host"`
	Process
	KilledAt *time.Time `dynamodbav:"killed_at,omitempty"`
}

// hostItems returns the items of a host but its files (see seedFile): the
// host, its processes, and the indexes from its users, its addresses, the
// domains it resolved and the URLs its files came from.
func hostItems(h Host) []item {
	items := []item{hostItem{itemKey: itemKey{pkHost + h.ID, skMeta}, Name: h.Name, OS: h.OS,
		Critical: h.Critical, Users: h.Users, IPs: h.IPs, DNSQueries: h.DNSQueries}}
	for _, p := range h.Processes {
		items = append(items,
			processItem{itemKey: itemKey{pkHost + h.ID, skProcess + p.ID}, Host: h.ID, Process: p},
			processItem{itemKey: itemKey{pkProcess + p.ID, skMeta}, Host: h.ID, Process: p})
	}
	pointer := func(pk string) item { return ref{itemKey{pk, skHost + h.ID}, h.ID, h.Name} }
	for _, u := range h.Users {
		items = append(items, pointer(pkUser+u))
	}
	for _, ip := range h.IPs {
		items = append(items, pointer(pkIP+ip))
	}
	for _, d := range h.DNSQueries {
		items = append(items, pointer(pkDomain+d))
	}
	for _, f := range h.Files {
		if f.DownloadedFrom != "" {
			items = append(items, urlMeta(f.DownloadedFrom))
		}
	}
	return items
}

// Host returns host id with the files it holds now and the processes
// running on it (those remediation killed left out); ok is false when the
// tenant has no such host.
func (t *Tenant) Host(ctx context.Context, id string) (h Host, ok bool, err error) {
	h, ok, err = t.hostMeta(ctx, id)
	if err != nil || !ok {
		return Host{}, false, err
	}
	if h.Files, err = t.files(ctx, id, skFile); err != nil {
		return Host{}, false, err
	}
	procs, err := query[processItem](ctx, t, pkHost+id, skProcess)
	if err != nil {
		return Host{}, false, err
	}
	for _, p := range procs {
		if p.KilledAt == nil {
			h.Processes = append(h.Processes, p.Process)
		}
	}
	return h, true, nil
}

// hostMeta returns host id without its files and processes.
func (t *Tenant) hostMeta(ctx context.Context, id string) (Host, bool, error) {
	it, ok, err := get[hostItem](ctx, t, pkHost+id, skMeta)
	return Host{ID: id, Name: it.Name, OS: it.OS, Critical: it.Critical, Users: it.Users,
		IPs: it.IPs, DNSQueries: it.DNSQueries, IsolatedAt: timeOf(it.IsolatedAt)}, ok, err
}

// describeHost gives the host's system, whether it is a critical asset
// and whether remediation isolated it.
func (t *Tenant) describeHost(ctx context.Context, id string) (datasource.Finding, error) {
	var f finding
	h, ok, err := t.hostMeta(ctx, id)
	if err != nil || !ok {
		return f.result(err)
	}
	f.Attributes = alert.Attrs("os", h.OS, "isolated", yes(!h.IsolatedAt.IsZero()))
	if h.Critical {
		f.Critical = true
		f.evidence(investigation.VerdictUnknown, "critical asset")
	}
	if !h.IsolatedAt.IsZero() {
		f.evidence(investigation.VerdictUnknown, "isolated by remediation at %s",
			stamp(h.IsolatedAt))
	}
	return f.Finding, nil
}

// hostAffected lists who uses the host and the processes that ran on it.
func (t *Tenant) hostAffected(ctx context.Context, id string) (datasource.Finding, error) {
	var f finding
	h, ok, err := t.hostMeta(ctx, id)
	if err != nil || !ok {
		return f.result(err)
	}

	// its users
	for _, u := range h.Users {
		name, err := t.userName(ctx, u)
		if err != nil {
			return datasource.Finding{}, err
		}
		f.add(rel(alert.EntityUser, u, name, "used_by"))
	}

	// what ran on it
	procs, err := query[processItem](ctx, t, pkHost+id, skProcess)
	for _, p := range procs {
		f.add(rel(alert.EntityProcess, p.ID, p.Name, "runs", "path", p.Path, "user", p.User,
			"started", stamp(p.Started), "killed", stamp(timeOf(p.KilledAt))))
	}
	return f.result(err)
}
