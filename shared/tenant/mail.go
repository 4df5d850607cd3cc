package tenant

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
)

// mailboxItem is a mailbox, without its messages.
type mailboxItem struct {
	itemKey
	User         string `dynamodbav:"user"`
	ForwardingTo string `dynamodbav:"forwarding_to"`
}

// messageItem is one copy of a message, in the mailbox holding it.
// DeletedAt is set when remediation deleted it (see deleteEmail).
type messageItem struct {
	itemKey
	Mailbox string `dynamodbav:"mailbox"`
	Message
	DeletedAt *time.Time `dynamodbav:"deleted_at,omitempty"`
}

// msgRef points at one copy of a message from an index: the message's
// own, its sender's, its URLs', their domains' and its attachments'.
type msgRef struct {
	itemKey
	Mailbox   string `dynamodbav:"mailbox"`
	MessageID string `dynamodbav:"message_id"`
	Subject   string `dynamodbav:"subject"`
	URL       string `dynamodbav:"url,omitempty"`
}

// maxMessageIndexes bounds the index items of one copy of a message (one
// per URL, one per URL's domain, one per attachment, besides its
// sender's), so that seeding, deleting or restoring the copy fits in one
// transaction with the copy, its sender's index and its message's.
const maxMessageIndexes = maxTransactItems - 3

// mailboxItems returns a mailbox and the URLs of its messages, but not the
// messages themselves (see seedMessage).
func mailboxItems(m Mailbox) []item {
	items := []item{
		mailboxItem{itemKey{pkMailbox + m.Address, skMeta}, m.User, m.ForwardingTo},
		ref{itemKey: itemKey{pkUser + m.User, skMailbox + m.Address}, ID: m.Address},
	}
	for _, msg := range m.Messages {
		for _, u := range msg.URLs {
			items = append(items, urlMeta(u))
		}
	}
	return items
}

// seedMessage writes a copy of a message in mailbox addr with the index
// of its message and, unless it is deleted, the indexes that find it, at
// once; a copy remediation changed is left as it is.
func (t *Tenant) seedMessage(ctx context.Context, addr string, msg Message) error {
	cp := messageItem{itemKey: itemKey{pkMailbox + addr, skMessage + msg.ID}, Mailbox: addr,
		Message: msg}
	writes := []func() (types.TransactWriteItem, error){
		txPutIf(t.table, cp, ifUnremediated),
		txPut(t.table, msgRef{itemKey{pkMessage + msg.ID, skMailbox + addr}, addr, msg.ID,
			msg.Subject, ""}),
	}
	if !msg.Deleted {
		for _, it := range messageIndexes(addr, msg) {
			writes = append(writes, txPut(t.table, it))
		}
	}
	_, err := t.transact(ctx, writes...)
	return err
}

// messageIndexes returns the items that find a copy of a message in
// mailbox addr by its sender, its URLs, their domains and its
// attachments, each key once. A hunt finds the copy through them, so a
// deleted copy has none.
func messageIndexes(addr string, msg Message) []msgRef {
	copySK := skMessage + addr + "#" + msg.ID
	var refs []msgRef
	add := func(pk, url string) {
		r := msgRef{itemKey{pk, copySK}, addr, msg.ID, msg.Subject, url}
		if i := slices.IndexFunc(refs, func(o msgRef) bool { return o.PK == pk }); i >= 0 {
			refs[i] = r // as seeding item by item did: the last URL on a domain wins
			return
		}
		refs = append(refs, r)
	}
	add(pkSender+msg.Sender, "")
	for _, u := range msg.URLs {
		add(pkURL+u, u)
		add(pkDomain+urlDomain(u), u)
	}
	for _, h := range msg.Attachments {
		add(pkHash+h, "")
	}
	return refs
}

// Mailbox returns the mailbox at addr (in any case) with its messages; ok
// is false when the tenant has no such mailbox.
func (t *Tenant) Mailbox(ctx context.Context, addr string) (m Mailbox, ok bool, err error) {
	addr = alert.Key(alert.EntityMailbox, addr)
	m, ok, err = t.mailboxMeta(ctx, addr)
	if err != nil || !ok {
		return Mailbox{}, false, err
	}
	msgs, err := query[messageItem](ctx, t, pkMailbox+addr, skMessage)
	if err != nil {
		return Mailbox{}, false, err
	}
	for _, msg := range msgs {
		m.Messages = append(m.Messages, msg.Message)
	}
	return m, true, nil
}

// mailboxMeta returns the mailbox at addr without its messages.
func (t *Tenant) mailboxMeta(ctx context.Context, addr string) (Mailbox, bool, error) {
	it, ok, err := get[mailboxItem](ctx, t, pkMailbox+addr, skMeta)
	return Mailbox{Address: addr, User: it.User, ForwardingTo: it.ForwardingTo}, ok, err
}

// forwarding says where a mailbox forwards its mail. An address in
// another domain than the mailbox's is external, and suspicious.
func forwarding(m Mailbox) []investigation.Evidence {
	switch {
	case m.ForwardingTo == "":
		return nil
	case domainOf(m.ForwardingTo) != domainOf(m.Address):
		return []investigation.Evidence{fact(investigation.VerdictSuspicious,
			"forwards mail to external address %s", m.ForwardingTo)}
	}
	return []investigation.Evidence{fact(investigation.VerdictUnknown,
		"forwards mail to %s", m.ForwardingTo)}
}

// domainOf returns the domain of an email address.
func domainOf(addr string) string {
	_, domain, _ := strings.Cut(addr, "@")
	return domain
}

// describeMailbox says where the mailbox forwards its mail.
func (t *Tenant) describeMailbox(ctx context.Context, addr string) (datasource.Finding, error) {
	var f finding
	m, ok, err := t.mailboxMeta(ctx, addr)
	if err != nil || !ok {
		return f.result(err)
	}
	f.Attributes = alert.Attrs("forwarding_to", m.ForwardingTo)
	f.Evidence = forwarding(m)
	return f.Finding, nil
}

// mailboxAffected gives the user owning the mailbox.
func (t *Tenant) mailboxAffected(ctx context.Context, addr string) (datasource.Finding, error) {
	var f finding
	m, ok, err := t.mailboxMeta(ctx, addr)
	if err != nil || !ok {
		return f.result(err)
	}
	name, err := t.userName(ctx, m.User)
	if err != nil {
		return datasource.Finding{}, err
	}
	f.add(rel(alert.EntityUser, m.User, name, "owned_by"))
	return f.Finding, nil
}

// messageCopies returns every copy of message id, one per mailbox holding
// it.
func (t *Tenant) messageCopies(ctx context.Context, id string) ([]messageItem, error) {
	refs, err := query[msgRef](ctx, t, pkMessage+id, skMailbox)
	if err != nil {
		return nil, err
	}
	var copies []messageItem
	for _, r := range refs {
		m, ok, err := get[messageItem](ctx, t, pkMailbox+r.Mailbox, skMessage+id)
		if err != nil {
			return nil, err
		}
		if ok {
			copies = append(copies, m)
		}
	}
	return copies, nil
}

// messageOrigin gives who sent the message and from which address.
func (t *Tenant) messageOrigin(ctx context.Context, id string) (datasource.Finding, error) {
	var f finding
	copies, err := t.messageCopies(ctx, id)
	for _, m := range copies {
		f.add(rel(alert.EntityMailbox, m.Sender, "", "sent_by"))
		f.add(rel(alert.EntityIP, m.SenderIP, "", "sent_from"))
	}
	return f.result(err)
}

// messageAffected gives the mailboxes the message was delivered to, the
// users who clicked its URLs, and the URLs and files it carries. A click
// counts when it came from this message, or from no message the tenant
// knows of.
func (t *Tenant) messageAffected(ctx context.Context, id string) (datasource.Finding, error) {
	var f finding
	copies, err := t.messageCopies(ctx, id)
	if err != nil {
		return datasource.Finding{}, err
	}

	// where it went, and what it carries
	var urls []string
	for _, m := range copies {
		f.add(rel(alert.EntityMailbox, m.Mailbox, "", "delivered_to",
			"received", stamp(m.Received), "deleted", yes(m.Deleted)))
		for _, u := range m.URLs {
			f.add(rel(alert.EntityURL, u, "", "contains"))
			urls = appendNew(urls, u)
		}
		for _, h := range m.Attachments {
			f.add(rel(alert.EntityFile, h, "", "attaches"))
		}
	}

	// who clicked its links
	for _, u := range urls {
		clicks, err := query[clickItem](ctx, t, pkURL+u, skClick)
		if err != nil {
			return datasource.Finding{}, err
		}
		for _, c := range clicks {
			if c.MessageID == "" || c.MessageID == id {
				f.add(c.clicker())
			}
		}
	}
	return f.Finding, nil
}

// messageHunt finds other messages from the same sender, or with one of
// the message's URLs or attachments: one entry per copy.
func (t *Tenant) messageHunt(ctx context.Context, id string) (datasource.Finding, error) {
	var f finding
	copies, err := t.messageCopies(ctx, id)
	if err != nil {
		return datasource.Finding{}, err
	}
	var senders, urls, files []string
	for _, m := range copies {
		senders = appendNew(senders, m.Sender)
		urls = appendNew(urls, m.URLs...)
		files = appendNew(files, m.Attachments...)
	}
	for _, hunt := range []struct {
		pk, kind string
		keys     []string
	}{
		{pkSender, "same_sender", senders},
		{pkURL, "same_url", urls},
		{pkHash, "same_attachment", files},
	} {
		if err := t.otherMessages(ctx, &f, id, hunt.pk, hunt.kind, hunt.keys); err != nil {
			return datasource.Finding{}, err
		}
	}
	return f.Finding, nil
}

// otherMessages adds to f, as kind, the copies of messages other than id
// indexed under partition pk + each of keys.
func (t *Tenant) otherMessages(ctx context.Context, f *finding, id, pk, kind string,
	keys []string) error {
	for _, k := range keys {
		refs, err := query[msgRef](ctx, t, pk+k, skMessage)
		if err != nil {
			return err
		}
		for _, r := range refs {
			if r.MessageID != id {
				f.add(rel(alert.EntityEmailMessage, r.MessageID, r.Subject, kind,
					"mailbox", r.Mailbox))
			}
		}
	}
	return nil
}

// yes returns "true" for true and "" for false, which leaves an attribute
// out.
func yes(b bool) string {
	if b {
		return "true"
	}
	return ""
}

// appendNew appends the values list does not hold yet.
func appendNew(list []string, vs ...string) []string {
	for _, v := range vs {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}
