package tenant

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
)

// SnapshotError is a tenant description that does not hold together.
// Item names what is wrong, such as "host i-0a1b2c3d4e5f60718" or
// "mailboxes[2]" when the item has no key; Err says how.
type SnapshotError struct {
	Item string
	Err  error
}

// Error names the item and says what is wrong with it.
func (e *SnapshotError) Error() string { return "read tenant: " + e.Item + ": " + e.Err.Error() }

// Unwrap returns the problem with the item.
func (e *SnapshotError) Unwrap() error { return e.Err }

// ReadSnapshot decodes and checks a tenant description, and makes every
// key in it canonical (see alert.Key) so that it meets the entities alerts
// name. A field the model does not have, JSON that does not decode, or a
// trailing document is an error; an item with a missing or malformed key,
// a missing time, a duplicate key or a key status other than Active or
// Inactive fails with a *SnapshotError naming it.
func ReadSnapshot(r io.Reader) (Snapshot, error) {
	// decode, refusing what the model does not have
	var snap Snapshot
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&snap); err != nil {
		return Snapshot{}, fmt.Errorf("read tenant: %w", err)
	}
	if dec.More() {
		return Snapshot{}, errors.New("read tenant: more than one document")
	}

	// check every item, making its keys canonical
	if err := snap.check(); err != nil {
		return Snapshot{}, err
	}
	return snap, nil
}

// check checks each kind of item in turn and that no key repeats.
func (s *Snapshot) check() error {
	seen := make(map[string]bool)
	for i := range s.Hosts {
		h := &s.Hosts[i]
		if err := checkItem(seen, "host", i, h.ID, h.check); err != nil {
			return err
		}
		for j, p := range h.Processes {
			if err := unique(seen, "process", p.ID); err != nil {
				return &SnapshotError{Item: "host " + h.ID, Err: fmt.Errorf("processes[%d]: %w",
					j, err)}
			}
		}
	}
	for i := range s.Users {
		if err := checkItem(seen, "user", i, s.Users[i].ID, s.Users[i].check); err != nil {
			return err
		}
	}
	for i := range s.Mailboxes {
		m := &s.Mailboxes[i]
		if err := checkItem(seen, "mailbox", i, m.Address, m.check); err != nil {
			return err
		}
	}
	for i := range s.Clicks {
		if err := checkItem(nil, "click", i, "", s.Clicks[i].check); err != nil {
			return err
		}
	}
	return s.checkPrincipals(seen)
}

// checkPrincipals checks the principals, and that no access key repeats.
func (s *Snapshot) checkPrincipals(seen map[string]bool) error {
	for i := range s.Principals {
		p := &s.Principals[i]
		if err := checkItem(seen, "principal", i, p.ARN, p.check); err != nil {
			return err
		}
		for j, k := range p.AccessKeys {
			if err := unique(seen, "access key", k.ID); err != nil {
				return &SnapshotError{Item: "principal " + p.ARN,
					Err: fmt.Errorf("access_keys[%d]: %w", j, err)}
			}
		}
	}
	return nil
}

// checkItem runs check on the i-th item of a kind, then makes sure its
// key, made canonical by check, is the only one. A nil seen skips that.
func checkItem(seen map[string]bool, kind string, i int, id string,
	check func() (string, error)) error {
	name := fmt.Sprintf("%ss[%d]", kind, i)
	if strings.TrimSpace(id) != "" {
		name = kind + " " + strings.TrimSpace(id)
	}
	key, err := check()
	if err == nil && seen != nil {
		err = unique(seen, kind, key)
	}
	if err != nil {
		return &SnapshotError{Item: name, Err: err}
	}
	return nil
}

// unique records a key of a kind, failing if it was recorded before.
func unique(seen map[string]bool, kind, key string) error {
	if seen[kind+"\x00"+key] {
		return fmt.Errorf("%s %s appears twice", kind, key)
	}
	seen[kind+"\x00"+key] = true
	return nil
}

// check makes the host's keys canonical and returns its key.
func (h *Host) check() (string, error) {
	err := firstError(
		needKey(alert.EntityHost, &h.ID, "id"),
		optKeys(alert.EntityUser, h.Users, "users"),
		optKeys(alert.EntityIP, h.IPs, "ips"),
		optKeys(alert.EntityDomain, h.DNSQueries, "dns_queries"),
	)
	for j := range h.Files {
		if err == nil {
			err = wrapIndex("files", j, h.Files[j].check())
		}
	}
	for j := range h.Processes {
		if err == nil {
			err = wrapIndex("processes", j, h.Processes[j].check())
		}
	}
	return h.ID, err
}

func (f *File) check() error {
	if f.Path == "" {
		return errors.New("path is empty")
	}
	return firstError(
		needKey(alert.EntityFile, &f.SHA256, "sha256"),
		optKey(alert.EntityURL, &f.DownloadedFrom, "downloaded_from"),
		optKey(alert.EntityProcess, &f.CreatedBy, "created_by"),
	)
}

func (p *Process) check() error {
	return firstError(
		needKey(alert.EntityProcess, &p.ID, "id"),
		optKey(alert.EntityFile, &p.SHA256, "sha256"),
		optKey(alert.EntityUser, &p.User, "user"),
		optKey(alert.EntityProcess, &p.Parent, "parent"),
	)
}

// check makes the user's keys canonical and returns its key.
func (u *User) check() (string, error) {
	err := needKey(alert.EntityUser, &u.ID, "id")
	for j := range u.SignIns {
		s := &u.SignIns[j]
		if err == nil {
			err = wrapIndex("sign_ins", j, firstError(needTime(s.Time, "time"),
				needKey(alert.EntityIP, &s.IP, "ip")))
		}
	}
	return u.ID, err
}

// check makes the mailbox's keys canonical and returns its key.
func (m *Mailbox) check() (string, error) {
	err := firstError(
		needKey(alert.EntityMailbox, &m.Address, "address"),
		needKey(alert.EntityUser, &m.User, "user"),
		optKey(alert.EntityMailbox, &m.ForwardingTo, "forwarding_to"),
	)
	ids := make(map[string]bool)
	for j := range m.Messages {
		if err == nil {
			err = wrapIndex("messages", j, m.Messages[j].check())
		}
		if err == nil {
			err = wrapIndex("messages", j, unique(ids, "message", m.Messages[j].ID))
		}
	}
	return m.Address, err
}

func (m *Message) check() error {
	if n := 2*len(m.URLs) + len(m.Attachments); n > maxMessageIndexes {
		return fmt.Errorf("%d URLs and %d attachments need %d index items; one "+
			"transaction holds %d", len(m.URLs), len(m.Attachments), n, maxMessageIndexes)
	}
	return firstError(
		needKey(alert.EntityEmailMessage, &m.ID, "id"),
		needKey(alert.EntityMailbox, &m.Sender, "sender"),
		optKey(alert.EntityIP, &m.SenderIP, "sender_ip"),
		needTime(m.Received, "received"),
		optKeys(alert.EntityURL, m.URLs, "urls"),
		optKeys(alert.EntityFile, m.Attachments, "attachments"),
	)
}

// check makes the click's keys canonical; a click has no key of its own.
func (c *Click) check() (string, error) {
	return "", firstError(
		needKey(alert.EntityURL, &c.URL, "url"),
		needKey(alert.EntityUser, &c.User, "user"),
		needTime(c.Time, "time"),
		optKey(alert.EntityIP, &c.IP, "ip"),
		optKey(alert.EntityEmailMessage, &c.MessageID, "message_id"),
	)
}

// check makes the principal's keys canonical and returns its key. Every
// call must be made with one of its keys.
func (p *Principal) check() (string, error) {
	err := needKey(alert.EntityUser, &p.ARN, "arn")
	var ids []string
	for j := range p.AccessKeys {
		if err == nil {
			err = wrapIndex("access_keys", j, p.AccessKeys[j].check())
		}
		ids = append(ids, p.AccessKeys[j].ID)
	}
	for j := range p.Activity {
		if err == nil {
			err = wrapIndex("activity", j, p.Activity[j].check(ids))
		}
	}
	return p.ARN, err
}

func (k *AccessKey) check() error {
	if k.Status != KeyActive && k.Status != KeyInactive {
		return fmt.Errorf("status %q is neither %s nor %s", k.Status, KeyActive, KeyInactive)
	}
	return needKey(alert.EntityAccessKey, &k.ID, "id")
}

// check checks one call, made with one of the keys ids.
func (a *Activity) check(ids []string) error {
	err := firstError(
		needTime(a.Time, "time"),
		needKey(alert.EntityIP, &a.SourceIP, "source_ip"),
		needKey(alert.EntityAccessKey, &a.AccessKey, "access_key"),
		optKeys(alert.EntityCloudResource, a.Resources, "resources"),
	)
	switch {
	case err != nil:
		return err
	case a.EventName == "":
		return errors.New("event_name is empty")
	case !slices.Contains(ids, a.AccessKey):
		return fmt.Errorf("access_key %s is not one of the principal's keys", a.AccessKey)
	}
	return nil
}

// needKey makes *v the canonical key of an entity of type typ; it fails,
// naming field, when *v is empty or cannot be such a key.
func needKey(typ alert.EntityType, v *string, field string) error {
	if strings.TrimSpace(*v) == "" {
		return fmt.Errorf("%s is empty", field)
	}
	return optKey(typ, v, field)
}

// optKey is needKey for a field that may be empty.
func optKey(typ alert.EntityType, v *string, field string) error {
	if strings.TrimSpace(*v) == "" {
		*v = ""
		return nil
	}
	k := alert.Key(typ, *v)
	if !validKey(typ, k) {
		return fmt.Errorf("%s %q is not %s", field, *v, keyName(typ))
	}
	*v = k
	return nil
}

// optKeys makes each of vs canonical, as needKey does.
func optKeys(typ alert.EntityType, vs []string, field string) error {
	for i := range vs {
		if err := needKey(typ, &vs[i], fmt.Sprintf("%s[%d]", field, i)); err != nil {
			return err
		}
	}
	return nil
}

// keyName says what a key of type typ must be, for errors.
func keyName(typ alert.EntityType) string {
	switch typ {
	case alert.EntityFile:
		return "a SHA-256"
	case alert.EntityURL:
		return "an absolute URL"
	case alert.EntityIP:
		return "an IP address"
	case alert.EntityDomain:
		return "a domain"
	}
	return "a " + string(typ) + " key"
}

// validKey reports whether k, made canonical, keys an entity of type typ.
// The tenant keeps files by SHA-256 only, and URLs must be absolute so
// that they have a domain.
func validKey(typ alert.EntityType, k string) bool {
	switch typ {
	case alert.EntityFile:
		return len(k) == 64
	case alert.EntityURL:
		u, err := url.Parse(k)
		return err == nil && u.Scheme != "" && u.Hostname() != ""
	}
	return k != ""
}

func needTime(t time.Time, field string) error {
	if t.IsZero() {
		return fmt.Errorf("%s is missing", field)
	}
	return nil
}

// wrapIndex names the element of a list that err is about.
func wrapIndex(list string, i int, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s[%d]: %w", list, i, err)
}

// firstError returns the first of errs that is not nil.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
