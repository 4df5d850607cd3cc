package alert

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEntityKeysAreCanonical(t *testing.T) {
	sha := "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	tests := []struct {
		name string
		key  func(string) string
		in   string
		want string
	}{
		{"user upn", userKey, " Alex.Doe@Example.COM ", "alex.doe@example.com"},
		{"user arn", userKey, "arn:aws:iam::123456789012:user/Alex",
			"arn:aws:iam::123456789012:user/alex"},
		{"host as given", hostKey, " i-0ABC ", "i-0ABC"},
		{"ipv4", ipKey, "192.0.2.1", "192.0.2.1"},
		{"ipv4 mapped", ipKey, "::ffff:192.0.2.1", "192.0.2.1"},
		{"ipv6 upper", ipKey, "2001:DB8:0:0::1", "2001:db8::1"},
		{"ipv6 zone", ipKey, "fe80::1%eth0", "fe80::1"},
		{"ip leading zero", ipKey, "192.0.2.01", ""},
		{"not ip", ipKey, "example.com", ""},
		{"url", urlKey, "HTTPS://Evil.Example/Path?Q=1", "https://evil.example/Path?Q=1"},
		{"url no scheme", urlKey, " evil.example/x ", "evil.example/x"},
		{"url bad escape", urlKey, "http://x/%zz", "http://x/%zz"},
		{"domain", domainKey, "Pool.Malicious.Example.", "pool.malicious.example"},
		{"sha256 upper", hashKey, strings.ToUpper(sha), sha},
		{"sha256 prefixed", hashKey, "SHA-256:" + sha, sha},
		{"md5", hashKey, "44D88612FEA8A8F36DE82E1278ABB02F", "44d88612fea8a8f36de82e1278abb02f"},
		{"not hex", hashKey, "zz" + sha[2:], ""},
		{"odd length", hashKey, "abc", ""},
	}
	for _, tt := range tests {
		if got := tt.key(tt.in); got != tt.want {
			t.Errorf("%s: key(%q): got %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestEntitySetMergesSameTypeAndKey(t *testing.T) {
	var s entitySet
	s.add(Entity{Type: EntityFile, Key: "aa", Name: "a.exe",
		Attributes: map[string]string{"path": "/a"}})
	s.add(Entity{Type: EntityIP, Key: "aa"})
	s.add(Entity{Type: EntityFile, Key: "aa", Name: "b.exe",
		Attributes: map[string]string{"path": "/b\n/a", "host": "h1"}})
	s.add(Entity{Type: EntityHost, Key: ""}) // dropped
	s.add(Entity{Type: EntityFile, Key: "aa", Attributes: map[string]string{"path": "/a"}})

	want := []Entity{
		{Type: EntityFile, Key: "aa", Name: "a.exe",
			Attributes: map[string]string{"path": "/a\n/b", "host": "h1"}},
		{Type: EntityIP, Key: "aa"},
	}
	if diff := cmp.Diff(want, s.entities()); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
}

func TestEntitySetMergeKeepsTextAndAppendsNewLines(t *testing.T) {
	tests := []struct {
		name     string
		old, add map[string]string
		want     map[string]string
	}{
		{"text kept as is", map[string]string{"k": "a\n\na\n"},
			map[string]string{"k": "b\n\na\nc\nb"},
			map[string]string{"k": "a\n\na\n\nb\nc"}},
		{"only empty lines", nil, map[string]string{"k": "\n"},
			map[string]string{"k": ""}},
		{"new key", map[string]string{"k": "a"}, map[string]string{"j": "b\nb"},
			map[string]string{"k": "a", "j": "b"}},
	}
	for _, tt := range tests {
		var s entitySet
		s.add(Entity{Type: EntityHost, Key: "h", Attributes: tt.old})
		s.add(Entity{Type: EntityHost, Key: "h", Attributes: tt.add})
		got := s.entities()[0].Attributes
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: attributes (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestEntitySetMergesManyInFirstSeenOrder(t *testing.T) {
	var s entitySet
	s.add(Entity{Type: EntityIP, Key: "192.0.2.1",
		Attributes: map[string]string{"port": "0"}})
	want := []string{"0"}
	for i := 1; i < 100; i++ {
		v := strconv.Itoa(i)
		want = append(want, v)
		s.add(Entity{Type: EntityIP, Key: "192.0.2.1",
			Attributes: map[string]string{"port": v + "\n0\n" + v}})
	}
	got := s.entities()
	if len(got) != 1 || got[0].Attributes["port"] != strings.Join(want, "\n") {
		t.Errorf("got %v, want one entity with ports 0 to 99", got)
	}
}

func TestAppendNewSkipsEmptyAndHeldValues(t *testing.T) {
	var long, distinct []string
	for i := range 20 {
		long = append(long, strconv.Itoa(i), "")
		distinct = append(distinct, strconv.Itoa(i))
	}
	tests := []struct {
		names, add, want []string
	}{
		{[]string{"a", "a"}, []string{"b", "", "a", "b"}, []string{"a", "a", "b"}},
		{nil, []string{"", ""}, nil},
		{[]string{"x", "x"}, append(long, long...),
			append([]string{"x", "x"}, distinct...)},
	}
	for _, tt := range tests {
		got := appendNew(slices.Clone(tt.names), tt.add...)
		if !slices.Equal(got, tt.want) {
			t.Errorf("appendNew(%q, %q): got %q, want %q", tt.names, tt.add, got, tt.want)
		}
	}
}

func TestEntitySetEmptyIsNotNil(t *testing.T) {
	var s entitySet
	if got := s.entities(); got == nil || len(got) != 0 {
		t.Errorf("got %#v, want an empty, non-nil list", got)
	}
}

func TestFileEntityNamesFromPath(t *testing.T) {
	e := fileEntity("44D88612FEA8A8F36DE82E1278ABB02F", `C:\Users\adoe\eicar.com`, "")
	want := Entity{Type: EntityFile, Key: "44d88612fea8a8f36de82e1278abb02f",
		Name: "eicar.com", Attributes: map[string]string{
			"md5":  "44d88612fea8a8f36de82e1278abb02f",
			"path": `C:\Users\adoe\eicar.com`,
			"name": "eicar.com",
		}}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("fileEntity (-want +got):\n%s", diff)
	}
}

func TestKeysRefangDefangedIndicators(t *testing.T) {
	tests := []struct {
		name string
		key  func(string) string
		in   string
		want string
	}{
		{"url hxxp", urlKey, "hxxp://evil[.]example/a", "http://evil.example/a"},
		{"url hXXps", urlKey, "hXXps://Evil(.)Example/a", "https://evil.example/a"},
		{"url colon", urlKey, "hxxps[://]evil{.}example[:]8443/", "https://evil.example:8443/"},
		{"url dot word", urlKey, "http://evil[dot]example/", "http://evil.example/"},
		{"url clean", urlKey, "https://example.com/hxxp", "https://example.com/hxxp"},
		{"domain", domainKey, "Pool[.]Malicious(.)Example", "pool.malicious.example"},
		{"domain like scheme", domainKey, "hxxpress.example", "hxxpress.example"},
		{"ipv4", ipKey, "198[.]51[.]100[.]7", "198.51.100.7"},
		{"ipv6", ipKey, "2001[:]db8::1", "2001:db8::1"},
	}
	for _, tt := range tests {
		if got := tt.key(tt.in); got != tt.want {
			t.Errorf("%s: key(%q): got %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestHashKeyRejectsZeroHash(t *testing.T) {
	for _, h := range []string{strings.Repeat("0", 32), strings.Repeat("0", 40),
		"SHA256:" + strings.Repeat("0", 64)} {
		if got := hashKey(h); got != "" {
			t.Errorf("hashKey(%q): got %q, want \"\"", h, got)
		}
	}
}
