package intel

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Entry is one indicator on a list: an entity that the list's source holds
// malicious or suspicious, and until when.
type Entry struct {
	Type alert.EntityType
	// Value is the entity's key; Add keys it with alert.Key, so it may be
	// given as a report writes it: upper-case, defanged, with a scheme.
	Value string
	// Verdict is investigation.VerdictMalicious or VerdictSuspicious.
	Verdict investigation.Verdict
	// Threat names the malware family, actor or campaign, if known.
	Threat string
	// Description says what the indicator is, in the source's words.
	Description string
	// Source names the list, as evidence names it.
	Source string
	// ValidUntil is when the entry stops counting; zero means never.
	ValidUntil time.Time
}

// Ref returns the ref ("type:key") of the entity the entry names, with the
// value as it is; Add keys it first.
func (en Entry) Ref() string { return string(en.Type) + ":" + en.Value }

// List is a set of indicators held in memory. Its zero value is an empty
// list ready to use. A List is safe for concurrent use: Reputation may run
// in many goroutines at once, and alongside Add. It must not be copied
// after first use.
type List struct {
	// Now reads the clock that expires entries; nil means time.Now. Set it
	// before the list is shared.
	Now func() time.Time

	mu      sync.RWMutex
	entries map[string][]Entry // by Ref, in the order added
}

// Add keys each entry's value with alert.Key and adds the entries to the
// list. An entry equal to one already held is added once. If any entry is
// invalid (no type, a value that is no key of its type, a verdict other
// than malicious or suspicious), Add adds none and returns an error
// naming the field.
func (l *List) Add(entries ...Entry) error {
	// key every entry before adding any
	keyed := make([]Entry, len(entries))
	for i, en := range entries {
		k, err := en.keyed()
		if err != nil {
			return err
		}
		keyed[i] = k
	}

	// add those not held yet
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.entries == nil {
		l.entries = make(map[string][]Entry)
	}
	for _, en := range keyed {
		if !containsEntry(l.entries[en.Ref()], en) {
			l.entries[en.Ref()] = append(l.entries[en.Ref()], en)
		}
	}
	return nil
}

// Len returns how many entries the list holds, expired ones included.
func (l *List) Len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	n := 0
	for _, ens := range l.entries {
		n += len(ens)
	}
	return n
}

// Reputation returns one piece of evidence for each unexpired entry naming
// the entity, then, for a URL, one for each naming its host: the domain,
// or the IP address. The entity's key is keyed again with alert.Key, so a
// hand-made entity meets the list too. It never fails; ctx is unused.
func (l *List) Reputation(_ context.Context, e alert.Entity) (
	[]investigation.Evidence, error) {
	key := alert.Key(e.Type, e.Key)
	if key == "" {
		return nil, nil
	}
	now := l.now()
	l.mu.RLock()
	defer l.mu.RUnlock()

	// the entity itself
	ev := l.evidence(nil, string(e.Type)+":"+key, now, "")

	// a URL's host, which analysts list more often than URLs
	if e.Type == alert.EntityURL {
		if t, host := urlHost(key); host != "" {
			subject := fmt.Sprintf("its %s %s is ", hostWord[t], host)
			ev = l.evidence(ev, string(t)+":"+host, now, subject)
		}
	}
	return ev, nil
}

// evidence appends to ev the evidence of the unexpired entries for ref,
// each text starting with subject. The caller holds l.mu.
func (l *List) evidence(ev []investigation.Evidence, ref string, now time.Time,
	subject string) []investigation.Evidence {
	for _, en := range l.entries[ref] {
		if !en.ValidUntil.IsZero() && !now.Before(en.ValidUntil) {
			continue
		}
		ev = append(ev, investigation.Evidence{
			Verdict: en.Verdict,
			Source:  en.Source,
			Text:    subject + en.text(),
		})
	}
	return ev
}

// text says where the entry is listed and what it is, such as
// `on indicator list "analysts": CobaltStrike C2 — beacon server`.
func (en Entry) text() string {
	s := "on an indicator list"
	if en.Source != "" {
		s = fmt.Sprintf("on indicator list %q", en.Source)
	}
	var what []string
	for _, w := range []string{en.Threat, en.Description} {
		if w != "" {
			what = append(what, w)
		}
	}
	if len(what) == 0 {
		return s + " as " + string(en.Verdict)
	}
	return s + ": " + strings.Join(what, " — ")
}

// now returns the list's time.
func (l *List) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// hostWord names a URL's host in evidence text, by the host's entity type.
var hostWord = map[alert.EntityType]string{
	alert.EntityDomain: "domain",
	alert.EntityIP:     "host",
}

// urlHost returns the entity a URL key's host is, keyed: an IP address or
// a domain. It returns an empty host for a URL without one.
func urlHost(key string) (alert.EntityType, string) {
	u, err := url.Parse(key)
	if err != nil || u.Hostname() == "" {
		return "", ""
	}
	h := u.Hostname()
	if _, err := netip.ParseAddr(h); err == nil {
		return alert.EntityIP, alert.Key(alert.EntityIP, h)
	}
	return alert.EntityDomain, alert.Key(alert.EntityDomain, h)
}

// keyed returns the entry with its value keyed, or an error naming the
// field that is wrong.
func (en Entry) keyed() (Entry, error) {
	if en.Type == "" {
		return Entry{}, errors.New("type is empty")
	}
	if strings.TrimSpace(en.Value) == "" {
		return Entry{}, errors.New("value is empty")
	}
	key := alert.Key(en.Type, en.Value)
	if key == "" {
		return Entry{}, fmt.Errorf("value %q is not %s", en.Value, keyWords[en.Type])
	}
	if en.Verdict != investigation.VerdictMalicious &&
		en.Verdict != investigation.VerdictSuspicious {
		return Entry{}, fmt.Errorf("verdict %q is not malicious or suspicious", en.Verdict)
	}
	en.Value = key
	return en, nil
}

// keyWords says what a value must be to key an entity of each type whose
// keys alert.Key can refuse.
var keyWords = map[alert.EntityType]string{
	alert.EntityFile: "an MD5, SHA-1, SHA-256 or SHA-512 hash",
	alert.EntityIP:   "an IP address",
}

// containsEntry reports whether ens holds an entry equal to en.
func containsEntry(ens []Entry, en Entry) bool {
	return slices.ContainsFunc(ens, func(e Entry) bool {
		same := e.ValidUntil.Equal(en.ValidUntil)
		e.ValidUntil = en.ValidUntil
		return same && e == en
	})
}
