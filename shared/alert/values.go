package alert

import (
	"encoding/json"
	"net/mail"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// This file holds what the parsers of SIEM, endpoint, identity and email
// sources share: values that may be one string or several, severity
// names, files with several hashes, email addresses and times in the
// layouts these sources use.

// strList is a JSON string or array of strings, as sources send a field
// that may hold one value or several (ECS host.ip, Splunk multi-value
// fields). Null is no value; any other JSON type is an error naming the
// field.
type strList []string

// UnmarshalJSON accepts null, a string or an array of strings.
func (l *strList) UnmarshalJSON(b []byte) error {
	vals, ok := stringValues(b)
	if !ok {
		got := jsonType(b)
		var elems []json.RawMessage
		if got == "array" && json.Unmarshal(b, &elems) == nil {
			got = "an array holding a non-string"
		}
		return &json.UnmarshalTypeError{Value: got, Type: reflect.TypeFor[string]()}
	}
	*l = vals
	return nil
}

// first returns the list's first value, or "".
func (l strList) first() string {
	if len(l) == 0 {
		return ""
	}
	return l[0]
}

// stringValues reads raw as null, a string or an array of strings. It
// reports false for any other value, and for an array holding a non-string.
func stringValues(raw json.RawMessage) ([]string, bool) {
	switch {
	case isNull(raw):
		return nil, true
	case raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, false
		}
		return []string{s}, true
	case raw[0] == '[':
		var ss []string
		if json.Unmarshal(raw, &ss) != nil {
			return nil, false
		}
		return ss, true
	}
	return nil, false
}

// severityByName maps a severity name most sources share, in any case, to
// OCSF's: informational (or info), low, medium (or moderate), high,
// critical and fatal. An empty name or "unknown" is SeverityUnknown; any
// other name is SeverityOther, which OCSF keeps for a source's own values.
func severityByName(name string) SeverityID {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "unknown":
		return SeverityUnknown
	case "informational", "info", "information":
		return SeverityInformational
	case "low":
		return SeverityLow
	case "medium", "moderate":
		return SeverityMedium
	case "high":
		return SeverityHigh
	case "critical":
		return SeverityCritical
	case "fatal":
		return SeverityFatal
	}
	return SeverityOther
}

// hashedFile returns a file entity keyed by the strongest valid hash of
// hashes (SHA-256, else SHA-1, else MD5, else SHA-512), with every valid
// hash as an attribute named for its algorithm, and the path and name. A
// file without a valid hash has no key.
func hashedFile(filePath, name string, hashes ...string) Entity {
	var keys []string
	best := ""
	for _, h := range hashes {
		k := hashKey(h)
		if k == "" {
			continue
		}
		keys = appendNew(keys, k)
		if hashRank(k) > hashRank(best) {
			best = k
		}
	}
	e := fileEntity(best, filePath, name)
	for _, k := range keys {
		e.Attributes = withAttr(e.Attributes, hashAlgorithm(k), k)
	}
	return e
}

// hashRank orders hash keys by how well they key a file: SHA-256 first,
// as entity keys require, then SHA-1, MD5 and SHA-512.
func hashRank(key string) int {
	switch hashAlgorithm(key) {
	case "sha256":
		return 4
	case "sha1":
		return 3
	case "md5":
		return 2
	case "sha512":
		return 1
	}
	return 0
}

// emailAddress returns the address in s, a bare address or a header value
// such as `Docs Share <no-reply@sender.example>`, and the display name if
// it has one. It returns "" for a value with no address.
func emailAddress(s string) (addr, name string) {
	s = strings.TrimSpace(refang(s))
	if a, err := mail.ParseAddress(s); err == nil {
		return a.Address, a.Name
	}
	if strings.Contains(s, "@") && !strings.ContainsAny(s, " <>") {
		return s, ""
	}
	return "", ""
}

// mailboxEntity returns the mailbox of an email address, keyed like a
// user, with the role it plays in a message ("sender", "recipient").
func mailboxEntity(addr, name, role string) Entity {
	addr, parsed := emailAddress(addr)
	if name == "" {
		name = parsed
	}
	return Entity{
		Type:       EntityMailbox,
		Key:        userKey(addr),
		Name:       name,
		Attributes: Attrs("role", role),
	}
}

// recipientUser returns the user who owns a recipient's mailbox, keyed by
// the address: the mailbox is where a message lies, the user is the
// account that may have acted on it, and both may need remediation.
func recipientUser(addr string) Entity {
	addr, name := emailAddress(addr)
	return Entity{Type: EntityUser, Key: userKey(addr), Name: name,
		Attributes: Attrs("email", addr)}
}

// messageKey returns the key of an email message named by its
// Message-ID header, without the angle brackets some sources keep.
func messageKey(id string) string {
	id = strings.TrimSpace(id)
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">"))
}

// epochSeconds reads a decimal string such as "1717580031" or
// "1717580031.250" as epoch seconds, in UTC. It reports false for any
// other string and for a time outside 1970–9999.
func epochSeconds(s string) (time.Time, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if !isDigits(whole) || frac != "" && !isDigits(frac) {
		return time.Time{}, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || v >= epochMillisMin {
		return time.Time{}, false
	}
	return epochTime(s)
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseTimeIn parses s with the first of layouts that fits and returns it
// in UTC; want describes the layouts for the error, which names field of
// format.
func parseTimeIn(format, field, want, s string, layouts ...string) (time.Time, error) {
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil && !t.Before(unixEpoch) {
			return t.UTC(), nil
		}
	}
	return time.Time{}, invalid(format, field, want, quote(s))
}

// joinLines joins values with "\n", as entity attributes hold lists,
// leaving out empty values and repeats.
func joinLines(values ...string) string {
	return strings.Join(appendNew(nil, values...), "\n")
}
