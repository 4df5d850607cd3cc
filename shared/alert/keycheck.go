package alert

import (
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Whatever a source sends, an entity's key is text an analyst reads and an
// action targets: a key holding control or invisible characters (a
// bidirectional override that reorders what a reader sees, a zero-width
// space that hides a difference), markup, or a URL that is a script
// rather than an address (javascript:, data:) names nothing Firebreak can
// investigate or block. Parsers drop an entity whose key KeyProblem
// refuses, so that Decide never proposes an action on it; the generic
// format refuses it with the field's name.

// urlSchemes are the schemes a URL entity may have: those of addresses a
// browser or a download fetches, which a proxy or a mail filter blocks.
var urlSchemes = map[string]bool{"http": true, "https": true, "ftp": true}

// domainName is a host name as DNS carries it, in ASCII (an IDN as
// punycode): labels of letters, digits, hyphens and, as service records
// have them, underscores.
var domainName = regexp.MustCompile(`^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*` +
	`[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$`)

// maxDomainBytes is DNS's limit on a name's length, written as text.
const maxDomainBytes = 253

// KeyProblem says why a canonical key k cannot name an entity of type t,
// or returns "" for a good key. Every key is valid UTF-8 without control
// or invisible format characters; keys other than URLs hold no markup
// characters (< > " `); a URL is an http, https or ftp URL with a host
// name or address, or a host name and path without a scheme; a domain is
// an ASCII host name (an IDN as punycode); a host's name or id holds no
// space or quote.
func KeyProblem(t EntityType, k string) string {
	switch {
	case k == "":
		return "it is empty"
	case hasInvisible(k):
		return "it holds control or invisible characters, or bytes that are not UTF-8"
	case t != EntityURL && strings.ContainsAny(k, "<>\"`"):
		return "it holds markup characters (< > \" `)"
	}
	switch t {
	case EntityURL:
		return urlProblem(k)
	case EntityDomain:
		if len(k) > maxDomainBytes || !domainName.MatchString(k) {
			return "want a domain name such as example.com (an IDN as punycode)"
		}
	case EntityHost:
		if strings.ContainsAny(k, " '") {
			return "want a host name or id without spaces or quotes"
		}
	}
	return ""
}

// hasInvisible reports whether s is not UTF-8 or holds a character that
// does not show as itself: a control character, a format character such
// as U+202E or U+200B, a line or paragraph separator, or U+FFFD.
func hasInvisible(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) ||
			unicode.In(r, unicode.Zl, unicode.Zp) || r == utf8.RuneError
	}) >= 0
}

// urlProblem says why a canonical URL key cannot name a URL, or "".
func urlProblem(k string) string {
	if strings.ContainsAny(k, "<>\"` ") {
		return "it holds markup characters or spaces"
	}
	u, err := url.Parse(k)
	switch {
	case err != nil:
		return "it does not parse as a URL"
	case u.Scheme == "" && u.Host == "":
		host, _, _ := strings.Cut(k, "/")
		if !isHostName(host) {
			return "want an http, https or ftp URL"
		}
	case !urlSchemes[u.Scheme]:
		return "want an http, https or ftp URL, not " + quote(u.Scheme+":")
	case !isHostName(u.Hostname()):
		return "want a URL whose host is a host name or an IP address"
	}
	return ""
}

// isHostName reports whether h is an IP address or an ASCII host name.
func isHostName(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	return h != "" && len(h) <= maxDomainBytes && domainName.MatchString(h)
}

// asciiDomain returns a lower-cased domain name in ASCII: an
// internationalized name, or one with punycode labels, is converted to
// punycode as DNS resolves it (UTS #46), so a homoglyph such as Cyrillic
// "раypal.example" keys as "xn--ypal-43d9g.example" and never as the
// ASCII name it imitates. It returns "" for a name IDNA refuses.
func asciiDomain(s string) string {
	s = strings.ToLower(s)
	if isASCII(s) && !strings.Contains(s, "xn--") {
		return s
	}
	a, err := idna.Lookup.ToASCII(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(a)
}

// isASCII reports whether s holds only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
