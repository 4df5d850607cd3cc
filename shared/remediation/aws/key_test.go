package aws

import "testing"

func TestAMemberAccountsObjectIsQuarantinedUnderItsAccount(t *testing.T) {
	o := object{bucket: "uploads", key: "in/a.pdf"}
	for _, tt := range []struct{ member, want string }{
		{"", "quarantine/act-1/uploads/in/a.pdf"},
		{"444455556666", "quarantine/444455556666/act-1/uploads/in/a.pdf"},
	} {
		if got := quarantineKey(tt.member, "act-1", o); got != tt.want {
			t.Errorf("quarantineKey(%q): got %q, want %q", tt.member, got, tt.want)
		}
	}
}
