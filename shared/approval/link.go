package approval

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/firebreak/firebreak/shared/store"
)

// Decisions a link or a form carries.
const (
	Approve = "approve"
	Reject  = "reject"
)

// Link errors. A caller answers ErrBadSignature with 403 and ErrExpired
// with a page saying the link expired; neither changes anything.
var (
	ErrBadSignature = errors.New("the link's signature does not match: it was changed or " +
		"is not one Firebreak sent")
	ErrExpired = errors.New("the link has expired")
)

// Link is what an approval link carries besides the approval's id: the
// decision it proposes, its expiry in Unix seconds and its signature.
type Link struct {
	Decision string
	Expires  string
	Sig      string
}

// sign returns the link signature of decision d on a, expiring at exp: an
// HMAC-SHA256, under the link-signing secret, of the approval, its action,
// its approver group, the decision and the expiry, so that changing any of
// them breaks the signature.
func sign(secret []byte, a store.Approval, d, exp string) string {
	mac := hmac.New(sha256.New, secret)
	for _, part := range []string{"approval-link", a.ID, a.ActionID, a.Group, d, exp} {
		mac.Write([]byte(part))
		mac.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// URL returns the link that opens the confirmation page of decision d
// (Approve or Reject) on a: base/approvals/<id>?d=…&exp=…&sig=…. It never
// carries the task token.
func URL(secret []byte, base string, a store.Approval, d string) string {
	exp := strconv.FormatInt(a.Expires.Unix(), 10)
	q := url.Values{"d": {d}, "exp": {exp}, "sig": {sign(secret, a, d, exp)}}
	return base + "/approvals/" + url.PathEscape(a.ID) + "?" + q.Encode()
}

// Verify checks l against a at now: ErrBadSignature when the signature
// does not bind this decision, approval, action, group and expiry;
// ErrExpired when it does but the expiry has passed.
func Verify(secret []byte, a store.Approval, l Link, now time.Time) error {
	if l.Decision != Approve && l.Decision != Reject {
		return ErrBadSignature
	}
	want := sign(secret, a, l.Decision, l.Expires)
	if !hmac.Equal([]byte(want), []byte(l.Sig)) {
		return ErrBadSignature
	}
	exp, err := strconv.ParseInt(l.Expires, 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	if !now.Before(time.Unix(exp, 0)) || !now.Before(a.Expires) {
		return ErrExpired
	}
	return nil
}
