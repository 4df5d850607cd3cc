package ingest

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzManualEntity feeds entity types and keys an analyst could send: an
// entity is either refused with a reason or keyed to printable text
// without spaces or markup, and nothing panics.
func FuzzManualEntity(f *testing.F) {
	for _, seed := range [][2]string{
		{"file", "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F"},
		{"url", "hxxps://login-verify[.]malicious[.]example/owa/auth"},
		{"domain", "Docs-Share.Malicious.Example."}, {"ip", "::ffff:198.51.100.77"},
		{"mailbox", "Jamie Roe <jamie.roe@example.com>"}, {"access_key", "akiaiosfodnn7example"},
		{"host", "i-\x1b[2J"}, {"user", "<script>"}, {"toaster", "x"}, {"host", "web\u202ex"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, typ, key string) {
		e, err := manualEntity(typ, key)
		if err != nil {
			if !strings.Contains(err.Error(), "entity_") {
				t.Errorf("manualEntity(%q, %q) refused without naming the field: %v", typ, key,
					err)
			}
			return
		}
		if !utf8.ValidString(e.Key) || e.Key == "" || strings.IndexFunc(e.Key, func(r rune) bool {
			return !unicode.IsPrint(r) || unicode.IsSpace(r)
		}) >= 0 {
			t.Errorf("manualEntity(%q, %q) accepted key %q", typ, key, e.Key)
		}
	})
}
