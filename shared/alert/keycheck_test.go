package alert

import "testing"

func TestKeyRefusesWhatNamesNothingToBlock(t *testing.T) {
	tests := []struct {
		typ   EntityType
		value string
		want  string
	}{
		{EntityURL, "javascript:alert(1)", ""},
		{EntityURL, " JaVaScRiPt:alert(1)", ""},
		{EntityURL, "data:text/html,<script>alert(1)</script>", ""},
		{EntityURL, "vbscript:msgbox", ""},
		{EntityURL, "http://<script>/", ""},
		{EntityURL, "https://evil.example/\u202egnp.exe", ""},
		{EntityURL, "<script>alert(1)</script>", ""},
		{EntityURL, "hxxps://evil[.]example/x?q=<b>", "https://evil.example/x?q=%3Cb%3E"},
		{EntityURL, "https://раypal.example/login", "https://xn--ypal-43d9g.example/login"},
		{EntityURL, "HTTPS://Evil.Example:8443/a", "https://evil.example:8443/a"},
		{EntityURL, "evil.example/path", "evil.example/path"},
		{EntityHost, "web<script>", ""},
		{EntityHost, "web\u202e01", ""},
		{EntityHost, "web\x0001", ""},
		{EntityHost, "Alex's laptop", ""},
		{EntityHost, "i-0abc123def4567890", "i-0abc123def4567890"},
		{EntityDomain, "раypal.example", "xn--ypal-43d9g.example"},
		{EntityDomain, "XN--YPAL-43D9G.example.", "xn--ypal-43d9g.example"},
		{EntityDomain, "pay\u200bpal.example", ""},
		{EntityDomain, "evil[.]example", "evil.example"},
		{EntityDomain, "_dmarc.example.com", "_dmarc.example.com"},
		{EntityDomain, "evil example", ""},
		{EntityUser, "o'brien@example.com", "o'brien@example.com"},
		{EntityUser, "\"><img src=x>", ""},
		{EntityIP, "10[.]0[.]0[.]1", "10.0.0.1"},
		{EntityMailbox, "bad[@]evil[.]example", "bad@evil.example"},
		{EntityMailbox, "Boss@АPPLE.com", "boss@xn--pple-43d.com"},
		{EntityMailbox, "boss@XN--PPLE-43D.com", "boss@xn--pple-43d.com"},
		{EntityUser, "admin@аpple.com", "admin@xn--pple-43d.com"},
		{EntityUser, "Admin@Contoso.onmicrosoft.com", "admin@contoso.onmicrosoft.com"},
		{EntityUser, "arn:aws:iam::123456789012:user/deploy", "arn:aws:iam::123456789012:user/deploy"},
	}
	for _, tt := range tests {
		if got := Key(tt.typ, tt.value); got != tt.want {
			t.Errorf("Key(%s, %q) = %q, want %q", tt.typ, tt.value, got, tt.want)
		}
	}
}
