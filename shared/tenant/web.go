package tenant

import (
	"context"
	"net/url"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
)

// urlItem is a URL the tenant knows: one in a message, a click or a
// download.
type urlItem struct {
	itemKey
	Domain string `dynamodbav:"domain"`
}

// clickItem is a click, kept on its URL's partition.
type clickItem struct {
	itemKey
	UserName string `dynamodbav:"user_name"`
	Click
}

// urlMeta returns the item of URL u.
func urlMeta(u string) item { return urlItem{itemKey{pkURL + u, skMeta}, urlDomain(u)} }

// urlDomain returns the key of the domain a URL is on; ReadSnapshot made
// sure that it has one.
func urlDomain(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return alert.Key(alert.EntityDomain, p.Hostname())
}

// clickItems returns the clicks with the URLs they followed; names gives
// the display names of users.
func clickItems(clicks []Click, names map[string]string) []item {
	var items []item
	for n, c := range clicks {
		items = append(items, urlMeta(c.URL),
			clickItem{itemKey{pkURL + c.URL, skClick + seq(c.Time, n)}, names[c.User], c})
	}
	return items
}

// clicker returns the user who clicked, with what the click says.
func (c clickItem) clicker() datasource.Related {
	r := rel(alert.EntityUser, c.User, c.UserName, "clicked_by", "time", stamp(c.Time))
	verb := "the click was allowed"
	if !c.Allowed {
		verb = "the click was blocked"
	}
	r.Evidence = append(r.Evidence, fact(investigation.VerdictUnknown, "clicked %s at %s: %s",
		c.URL, stamp(c.Time), verb))
	return r
}

// urlOrigin gives the domain a URL the tenant knows is hosted on.
func (t *Tenant) urlOrigin(ctx context.Context, u string) (datasource.Finding, error) {
	var f finding
	it, _, err := get[urlItem](ctx, t, pkURL+u, skMeta)
	f.add(rel(alert.EntityDomain, it.Domain, "", "hosted_on"))
	return f.result(err)
}

// urlAffected gives the users who clicked the URL, with when and whether
// the click was let through.
func (t *Tenant) urlAffected(ctx context.Context, u string) (datasource.Finding, error) {
	var f finding
	clicks, err := query[clickItem](ctx, t, pkURL+u, skClick)
	for _, c := range clicks {
		f.add(c.clicker())
	}
	return f.result(err)
}

// urlHunt finds the messages holding the URL, one entry per mailbox copy.
func (t *Tenant) urlHunt(ctx context.Context, u string) (datasource.Finding, error) {
	var f finding
	refs, err := query[msgRef](ctx, t, pkURL+u, skMessage)
	for _, r := range refs {
		f.add(rel(alert.EntityEmailMessage, r.MessageID, r.Subject, "found_in",
			"mailbox", r.Mailbox))
	}
	return f.result(err)
}

// domainHunt finds the hosts that resolved the domain and the messages
// with URLs on it.
func (t *Tenant) domainHunt(ctx context.Context, d string) (datasource.Finding, error) {
	var f finding
	hosts, err := query[ref](ctx, t, pkDomain+d, skHost)
	if err != nil {
		return datasource.Finding{}, err
	}
	for _, h := range hosts {
		f.add(rel(alert.EntityHost, h.ID, h.Name, "resolved_by"))
	}
	refs, err := query[msgRef](ctx, t, pkDomain+d, skMessage)
	for _, r := range refs {
		f.add(rel(alert.EntityEmailMessage, r.MessageID, r.Subject, "found_in",
			"mailbox", r.Mailbox, "url", r.URL))
	}
	return f.result(err)
}
