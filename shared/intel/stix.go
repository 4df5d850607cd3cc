package intel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// ReadSTIX reads the indicators of a STIX 2.1 bundle
// ({"type":"bundle","objects":[…]}) into a list.
//
// It takes each indicator whose pattern_type is "stix" (or absent, as in
// STIX 2.0) and that is not revoked, with its valid_until. From its pattern
// it takes every equality comparison with a file hash (MD5, SHA-1,
// SHA-256, SHA-512), url:value, domain-name:value, ipv4-addr:value and
// ipv6-addr:value (an address, or a prefix of one address),
// email-addr:value (a mailbox) or user-account:user_id, whatever joins the
// comparisons; other comparisons are passed over.
//
// The verdict comes from indicator_types (labels in STIX 2.0): malicious
// for "malicious-activity", "attribution" or "compromised"; suspicious for
// "anomalous-activity", "unknown", none or others; a "benign" indicator is
// skipped. The threat is the name of each malware, threat actor, campaign
// or intrusion set the indicator "indicates", by a relationship, else the
// indicator's name.
//
// Source names the list in evidence and errors. An indicator whose pattern
// is not well formed fails the whole bundle, with an error naming it.
func ReadSTIX(r io.Reader, source string) (*List, error) {
	// the bundle's objects that say what an indicator points at
	b, err := decodeBundle(r)
	if err != nil {
		return nil, fmt.Errorf("read STIX bundle %s: %w", source, err)
	}
	threats := b.threats()

	// each indicator's comparisons, as entries
	l := &List{}
	for _, in := range b.indicators {
		entries, err := in.entries(threats[in.ID], source)
		if err == nil {
			err = l.Add(entries...)
		}
		if err != nil {
			return nil, fmt.Errorf("read STIX bundle %s: indicator %s: %w", source, in.ID, err)
		}
	}
	return l, nil
}

// stixObject holds the properties of the STIX objects ReadSTIX reads:
// indicators, relationships, and the objects an indicator indicates.
type stixObject struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Revoked     bool   `json:"revoked"`

	// an indicator's
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	IndicatorTypes []string `json:"indicator_types"`
	Labels         []string `json:"labels"`
	ValidUntil     string   `json:"valid_until"`

	// a relationship's
	RelationshipType string `json:"relationship_type"`
	SourceRef        string `json:"source_ref"`
	TargetRef        string `json:"target_ref"`
}

// threatTypes are the types of object whose name says what an indicator
// is a sign of.
var threatTypes = []string{"malware", "threat-actor", "campaign", "intrusion-set"}

// bundle is what ReadSTIX keeps of a bundle, in the order the bundle
// gives it.
type bundle struct {
	indicators    []stixObject
	relationships []stixObject
	named         map[string]stixObject // threat objects by id
}

// decodeBundle reads a bundle, keeping the objects ReadSTIX reads. Other
// objects are passed over unread, whatever their properties hold.
func decodeBundle(r io.Reader) (*bundle, error) {
	// the bundle
	var raw struct {
		Type    string            `json:"type"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.NewDecoder(r).Decode(&raw); err != nil {
		return nil, fmt.Errorf("decode bundle: %w", err)
	}
	if raw.Type != "bundle" {
		return nil, fmt.Errorf("type is %q, not bundle", raw.Type)
	}

	// the objects of the types read
	b := &bundle{named: make(map[string]stixObject)}
	for i, o := range raw.Objects {
		var head struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		}
		if err := json.Unmarshal(o, &head); err != nil {
			return nil, fmt.Errorf("decode object %d: %w", i, err)
		}
		if head.Type != "indicator" && head.Type != "relationship" &&
			!slices.Contains(threatTypes, head.Type) {
			continue
		}
		var obj stixObject
		if err := json.Unmarshal(o, &obj); err != nil {
			return nil, fmt.Errorf("decode %s %s: %w", head.Type, head.ID, err)
		}
		b.keep(obj)
	}
	return b, nil
}

// keep files a decoded object by its type, passing over revoked ones.
func (b *bundle) keep(obj stixObject) {
	switch {
	case obj.Revoked:
	case obj.Type == "indicator":
		b.indicators = append(b.indicators, obj)
	case obj.Type == "relationship":
		b.relationships = append(b.relationships, obj)
	case obj.Name != "":
		b.named[obj.ID] = obj
	}
}

// threats returns, by indicator id, the names of the threats each
// indicator indicates, in the order the relationships are given.
func (b *bundle) threats() map[string][]string {
	threats := make(map[string][]string)
	for _, rel := range b.relationships {
		target, ok := b.named[rel.TargetRef]
		if !ok || rel.RelationshipType != "indicates" {
			continue
		}
		if !slices.Contains(threats[rel.SourceRef], target.Name) {
			threats[rel.SourceRef] = append(threats[rel.SourceRef], target.Name)
		}
	}
	return threats
}

// entries returns the list entries an indicator gives, none for an
// indicator that is benign or not in STIX patterning.
func (in stixObject) entries(threats []string, source string) ([]Entry, error) {
	// whether to take it, and how bad it says its indicators are
	if in.PatternType != "" && in.PatternType != "stix" {
		return nil, nil
	}
	verdict, ok := indicatorVerdict(in.IndicatorTypes, in.Labels)
	if !ok {
		return nil, nil
	}
	var until time.Time
	if in.ValidUntil != "" {
		var err error
		if until, err = time.Parse(time.RFC3339, in.ValidUntil); err != nil {
			return nil, fmt.Errorf("valid_until %q is not an RFC 3339 time", in.ValidUntil)
		}
	}

	// what its pattern names
	if strings.TrimSpace(in.Pattern) == "" {
		return nil, errors.New("no pattern")
	}
	comps, err := patternComparisons(in.Pattern)
	if err != nil {
		return nil, fmt.Errorf("pattern: %w", err)
	}
	threat := in.Name
	if len(threats) > 0 {
		threat = strings.Join(threats, ", ")
	}
	var entries []Entry
	for _, c := range comps {
		if t, v := c.indicator(); t != "" {
			entries = append(entries, Entry{Type: t, Value: v, Verdict: verdict,
				Threat: threat, Description: in.Description, Source: source,
				ValidUntil: until})
		}
	}
	return entries, nil
}

// indicatorVerdict returns the verdict an indicator's types argue for, and
// false for a benign indicator.
func indicatorVerdict(types, labels []string) (investigation.Verdict, bool) {
	if len(types) == 0 {
		types = labels
	}
	for _, t := range types {
		if t == "malicious-activity" || t == "attribution" || t == "compromised" {
			return investigation.VerdictMalicious, true
		}
	}
	if slices.Contains(types, "benign") {
		return "", false
	}
	return investigation.VerdictSuspicious, true
}

// indicator returns the entity type and value a comparison names, keyed,
// or "" for a comparison that names no entity Firebreak keys.
func (c comparison) indicator() (alert.EntityType, string) {
	t := c.entityType()
	if t == alert.EntityIP {
		c.Value = singleAddress(c.Value)
	}
	if t == "" || c.Value == "" {
		return "", ""
	}
	key := alert.Key(t, c.Value)
	if key == "" {
		return "", ""
	}
	return t, key
}

// entityType returns the type of entity a comparison's path names.
func (c comparison) entityType() alert.EntityType {
	if c.Object == "file" && len(c.Path) == 2 && c.Path[0] == "hashes" &&
		fileHashNames[hashName.Replace(strings.ToUpper(c.Path[1]))] {
		return alert.EntityFile
	}
	if c.Object == "user-account" && slices.Equal(c.Path, []string{"user_id"}) {
		return alert.EntityUser
	}
	if !slices.Equal(c.Path, []string{"value"}) {
		return ""
	}
	return valueTypes[c.Object]
}

// valueTypes maps the STIX object types whose value Firebreak keys to
// entity types.
var valueTypes = map[string]alert.EntityType{
	"url":         alert.EntityURL,
	"domain-name": alert.EntityDomain,
	"ipv4-addr":   alert.EntityIP,
	"ipv6-addr":   alert.EntityIP,
	"email-addr":  alert.EntityMailbox,
}

// fileHashNames are the hash algorithms whose hashes key files, written
// as hashName writes them: 'SHA-256', SHA256 and sha_256 are one.
var fileHashNames = map[string]bool{"MD5": true, "SHA1": true, "SHA256": true,
	"SHA512": true}

// hashName drops the separators from a hash algorithm's name.
var hashName = strings.NewReplacer("-", "", "_", "")

// singleAddress returns an IP value as an address: itself, or the address
// of a prefix holding only one, as '198.51.100.1/32'; "" for a wider
// prefix, which no single entity matches.
func singleAddress(v string) string {
	if !strings.Contains(v, "/") {
		return v
	}
	p, err := netip.ParsePrefix(strings.TrimSpace(v))
	if err != nil || !p.IsSingleIP() {
		return ""
	}
	return p.Addr().String()
}
