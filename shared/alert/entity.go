package alert

import (
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strings"
)

// Entity keys are canonical so that the same thing named by two alerts, or
// by two sources, has one key:
//
//   - user: lower-cased UPN, email address or principal ARN;
//   - host: the cloud instance id or device id as the source gives it;
//   - ip: the address in netip's canonical form, IPv4-mapped IPv6 unmapped;
//   - url: the URL with scheme and host lower-cased, when it parses as an
//     absolute URL; otherwise as given;
//   - domain: lower-cased, without a trailing dot;
//   - file: the lower-case hex SHA-256, else SHA-1, else MD5; a hash of
//     only zeros, which some sources send for "unknown", is no key;
//   - process: the source's unique process id, else the process name;
//   - cloud_resource: the ARN or other resource id as given;
//   - access_key: the access key id, upper-cased as AWS issues them.
//
// IP addresses, URLs and domains are refanged first (see refang), so an
// indicator copied from a threat report keys the same as the live one.
//
// A key function returns "" for a value that cannot be a key, and an
// entity with an empty key is dropped.

// userKey returns the key of a user named by UPN, email address or ARN,
// lower-cased, an internationalized domain after its last "@" in punycode
// (see asciiDomain): however a tool spelled it, "ceo@аpple.com", with a
// Cyrillic "а", keys as "ceo@xn--pple-43d.com", never as a name an analyst
// reads as the domain it imitates. A domain IDNA refuses is kept as sent.
func userKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s
	}
	if domain := asciiDomain(s[at+1:]); domain != "" {
		return s[:at+1] + domain
	}
	return s
}

// hostKey returns the key of a host named by instance id or device id.
func hostKey(s string) string {
	return strings.TrimSpace(s)
}

// ipKey returns the canonical form of an IP address, or "" if s is not one.
func ipKey(s string) string {
	a, err := netip.ParseAddr(refang(strings.TrimSpace(s)))
	if err != nil {
		return ""
	}
	return a.Unmap().WithZone("").String()
}

// urlKey returns a URL with its scheme and host lower-cased, an
// internationalized host in punycode, and the markup characters and spaces
// of its query escaped. A value that is not an absolute URL is kept as
// given, trimmed: it is still evidence. It returns "" for a value holding
// control or invisible characters.
func urlKey(s string) string {
	s = refang(strings.TrimSpace(s))
	if hasInvisible(s) {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return s
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = asciiHost(u.Host)
	u.RawQuery = queryEscapes.Replace(u.RawQuery)
	return u.String()
}

// queryEscapes percent-encodes what a URL's query may not hold as is, as
// a browser sends it.
var queryEscapes = strings.NewReplacer("<", "%3C", ">", "%3E", `"`, "%22", "`", "%60",
	" ", "%20")

// asciiHost returns a URL's host, with its port if it has one, lower-cased
// and in punycode. A host IDNA refuses is kept lower-cased, for
// KeyProblem to judge.
func asciiHost(hostPort string) string {
	host, port := hostPort, ""
	if i := strings.LastIndexByte(hostPort, ':'); i >= 0 && !strings.Contains(hostPort[i:], "]") {
		host, port = hostPort[:i], hostPort[i:]
	}
	if strings.HasPrefix(host, "[") {
		return strings.ToLower(hostPort)
	}
	if a := asciiDomain(host); a != "" {
		return a + port
	}
	return strings.ToLower(hostPort)
}

// domainKey returns a domain name lower-cased, without a trailing dot, an
// internationalized one in punycode (see asciiDomain). It returns "" for
// a name holding control or invisible characters or that IDNA refuses.
func domainKey(s string) string {
	s = strings.TrimSuffix(refang(strings.TrimSpace(s)), ".")
	if hasInvisible(s) {
		return ""
	}
	return asciiDomain(s)
}

// defangs lists the marks threat reports put into indicators so that they
// cannot be clicked or resolved, and what each stands for.
var defangs = strings.NewReplacer(
	"[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".",
	"[:]", ":", "[://]", "://", "[@]", "@",
)

// refang undoes defanging: it restores the dots, colons and at signs
// written as "[.]", "(.)", "{.}", "[dot]", "(dot)", "[:]", "[://]" or "[@]",
// and the scheme "hxxp" or "hxxps" (in any case) to "http" or "https".
// Text without those marks is returned unchanged.
func refang(s string) string {
	s = defangs.Replace(s)
	if len(s) < 7 || !strings.EqualFold(s[:4], "hxxp") {
		return s
	}
	if rest := s[4:]; strings.HasPrefix(rest, "://") || strings.HasPrefix(rest, "s://") ||
		strings.HasPrefix(rest, "S://") {
		s = "http" + rest
	}
	return s
}

// hashKey returns a file hash in lower-case hex, without an algorithm
// prefix such as "SHA256:", or "" if s is not a hex MD5, SHA-1, SHA-256 or
// SHA-512.
func hashKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[i+1:]
	}
	if hashAlgorithm(s) == "" || strings.Trim(s, "0") == "" {
		return ""
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return ""
		}
	}
	return s
}

// hashAlgorithm names the attribute a hex hash of this length goes in.
func hashAlgorithm(hex string) string {
	switch len(hex) {
	case 32:
		return "md5"
	case 40:
		return "sha1"
	case 64:
		return "sha256"
	case 128:
		return "sha512"
	}
	return ""
}

// fileEntity returns a file entity keyed by hash, with its algorithm, path
// and name as attributes. The name defaults to the path's last element.
func fileEntity(hash, filePath, name string) Entity {
	key := hashKey(hash)
	if name == "" && filePath != "" {
		name = path.Base(strings.ReplaceAll(filePath, `\`, "/"))
	}
	return Entity{
		Type: EntityFile,
		Key:  key,
		Name: name,
		Attributes: Attrs(
			hashAlgorithm(key), key,
			"path", filePath,
			"name", name,
		),
	}
}

// isARN reports whether s looks like an Amazon Resource Name.
func isARN(s string) bool {
	return strings.HasPrefix(s, "arn:") && strings.Count(s, ":") >= 5
}

// Attrs builds an entity's attribute map from key, value pairs, leaving
// out empty values and empty keys. It returns nil when nothing is left.
func Attrs(kv ...string) map[string]string {
	var m map[string]string
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] == "" || kv[i+1] == "" {
			continue
		}
		if m == nil {
			m = make(map[string]string)
		}
		m[kv[i]] = kv[i+1]
	}
	return m
}

// withAttr returns m with key set to value, unless value is empty.
func withAttr(m map[string]string, key, value string) map[string]string {
	if value == "" {
		return m
	}
	if m == nil {
		m = make(map[string]string)
	}
	m[key] = value
	return m
}

// entitySet collects an alert's entities in the order they are first
// seen, merging entities of the same type and key into one.
//
// Merging takes time linear in the values merged, however many entities
// share a key and however many lines their attributes hold: the lists
// being merged into are kept as sets until entities returns them.
type entitySet struct {
	list   []Entity
	at     map[string]int         // Ref to index in list
	merged map[attrRef]*valueList // attributes merged into, not yet in list
}

// attrRef names one attribute of one entity of an entitySet's list.
type attrRef struct {
	entity int
	key    string
}

// add adds e, or merges it into the entity already there: the first
// non-empty name wins, and attribute values new to a key are appended to it
// after "\n". An entity whose key is empty, or that KeyProblem refuses,
// is dropped.
func (s *entitySet) add(e Entity) {
	if KeyProblem(e.Type, e.Key) != "" {
		return
	}
	ref := e.Ref()
	i, ok := s.at[ref]
	if !ok {
		if s.at == nil {
			s.at = make(map[string]int)
		}
		s.at[ref] = len(s.list)
		s.list = append(s.list, e)
		return
	}
	s.merge(i, e)
}

// entities returns the collected entities; never nil, so an alert without
// entities says so with an empty list.
func (s *entitySet) entities() []Entity {
	for r, vl := range s.merged {
		s.list[r.entity].Attributes[r.key] = vl.String()
	}
	s.merged = nil
	if s.list == nil {
		return []Entity{}
	}
	return s.list
}

// merge folds e into the i-th entity: see add.
func (s *entitySet) merge(i int, e Entity) {
	old := &s.list[i]
	if old.Name == "" {
		old.Name = e.Name
	}
	for k, v := range e.Attributes {
		if old.Attributes == nil {
			old.Attributes = make(map[string]string)
		}
		r := attrRef{entity: i, key: k}
		vl := s.merged[r]
		if vl == nil {
			vl = newValueList(old.Attributes[k])
			if s.merged == nil {
				s.merged = make(map[attrRef]*valueList)
			}
			s.merged[r] = vl
		}
		vl.add(v)
	}
}

// valueList is a "\n"-joined list of attribute values being merged into:
// the text as it was, the values appended since, and every value it holds.
type valueList struct {
	parts []string
	has   map[string]bool
}

// newValueList returns the list the text holds, kept as it is.
func newValueList(text string) *valueList {
	vl := &valueList{has: make(map[string]bool)}
	if text != "" {
		vl.parts = append(vl.parts, text)
		for v := range strings.SplitSeq(text, "\n") {
			vl.has[v] = true
		}
	}
	return vl
}

// add appends the values of a "\n"-joined list that the list does not
// hold yet, skipping empty ones.
func (vl *valueList) add(list string) {
	for v := range strings.SplitSeq(list, "\n") {
		if v != "" && !vl.has[v] {
			vl.has[v] = true
			vl.parts = append(vl.parts, v)
		}
	}
}

// String returns the list joined with "\n".
func (vl *valueList) String() string {
	return strings.Join(vl.parts, "\n")
}

// smallList is the length up to which appendNew looks for a value by
// scanning, which is faster than hashing for the few values most lists
// hold.
const smallList = 16

// appendNew appends to names the values it does not hold yet, skipping
// empty ones. It takes time linear in the values, so a caller with many
// to add should add them in one call.
func appendNew(names []string, add ...string) []string {
	if len(names)+len(add) <= smallList {
		for _, n := range add {
			if n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		return names
	}
	seen := make(map[string]bool, len(names)+len(add))
	for _, n := range names {
		seen[n] = true
	}
	for _, n := range add {
		if n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return names
}

// emailMessage is what a source says of one email message: the message is
// keyed by its network message id, and Senders lists the header From
// first, then the envelope sender. Extra holds more attribute pairs for
// the message.
type emailMessage struct {
	NetworkMessageID  string
	InternetMessageID string
	Subject           string
	Recipient         string
	SenderIP          string
	Senders           [2]mailSender
	Extra             []string
	URLs              []string
}

// mailSender is one sender of a message. Domain may be empty.
type mailSender struct {
	Address string
	Name    string
	Domain  string
}

// addEmailMessage adds the message, then its recipient's mailbox, its
// senders, their domains and address, and the URLs in it.
func addEmailMessage(s *entitySet, m emailMessage) {
	// the message
	from, envelope := m.Senders[0], m.Senders[1]
	s.add(Entity{
		Type: EntityEmailMessage,
		Key:  strings.TrimSpace(m.NetworkMessageID),
		Name: m.Subject,
		Attributes: Attrs(append([]string{
			"internet_message_id", m.InternetMessageID,
			"subject", m.Subject,
			"sender", userKey(from.Address),
			"envelope_sender", userKey(envelope.Address),
			"recipient", userKey(m.Recipient),
			"sender_ip", ipKey(m.SenderIP),
		}, m.Extra...)...),
	})

	// who it went to and who sent it, from where
	s.add(Entity{Type: EntityMailbox, Key: userKey(m.Recipient),
		Attributes: Attrs("role", "recipient")})
	for _, snd := range m.Senders {
		s.add(Entity{Type: EntityMailbox, Key: userKey(snd.Address), Name: snd.Name,
			Attributes: Attrs("role", "sender")})
	}
	for _, snd := range m.Senders {
		s.add(Entity{Type: EntityDomain, Key: domainKey(snd.Domain)})
	}
	s.add(Entity{Type: EntityIP, Key: ipKey(m.SenderIP), Attributes: Attrs("role", "sender")})

	// what it linked to
	for _, u := range m.URLs {
		s.add(Entity{Type: EntityURL, Key: urlKey(u)})
	}
}

// Key returns the canonical key of a value naming an entity of type t, as
// parsers key the entities of alerts, so that an indicator from a list, a
// data source or a request meets the entity an alert named. It returns ""
// for a value that cannot be a key of that type (see KeyProblem), and for
// an unknown type.
func Key(t EntityType, value string) string {
	k, _ := ParseKey(t, value)
	return k
}

// ParseKey returns the canonical key of a value naming an entity of type
// t, as Key does, or "" and why the value cannot be one: what KeyProblem
// finds in the key, or in the value as sent when it does not key at all.
func ParseKey(t EntityType, value string) (key, problem string) {
	keyOf, ok := genericKeys[t]
	if !ok {
		return "", "it is not an entity type"
	}
	k := keyOf(value)
	if problem = KeyProblem(t, k); problem == "" {
		return k, ""
	}
	if k == "" {
		problem = unkeyable(t, value)
	}
	return "", problem
}

// unkeyable says why a value its type's key function refused cannot be a
// key: what KeyProblem finds in it as sent, else that it does not parse.
func unkeyable(t EntityType, value string) string {
	value = strings.TrimSpace(value)
	if value == "" {
		return "it is empty"
	}
	if p := KeyProblem(t, value); hasInvisible(value) || strings.HasPrefix(p, "it holds") {
		return p
	}
	return "it does not parse as one"
}

// Known reports whether t is one of the entity types.
func (t EntityType) Known() bool {
	_, ok := genericKeys[t]
	return ok
}
