package center

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// CSRFToken returns the token a page puts in a form that changes state:
// an HMAC, under the link-signing secret, of who the page was shown to and
// what the form acts on ("approval:<id>", "investigation:<id>:terminate").
// A page of another site can neither read it nor forge it.
func CSRFToken(secret []byte, who, form string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("csrf\x00" + who + "\x00" + form))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// CheckCSRF reports whether token is the one CSRFToken gives who for form,
// comparing in constant time.
func CheckCSRF(secret []byte, who, form, token string) bool {
	want := CSRFToken(secret, who, form)
	return token != "" && hmac.Equal([]byte(want), []byte(token))
}
