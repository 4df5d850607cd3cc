package awsdata

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"
)

// AccessError reports that AWS refused the source an operation: the role
// it runs as lacks the permission, or a policy (an SCP, a permissions
// boundary) denies it. Retrying does not cure it; granting Operation does.
type AccessError struct {
	// Operation is the IAM action refused, such as "iam:ListAccessKeys".
	Operation string
	// Account is the account asked, "" for the caller's own.
	Account string
	// Err is the SDK's error, wrapped with what was being asked.
	Err error
}

// Error names the operation refused and the account.
func (e *AccessError) Error() string {
	where := ""
	if e.Account != "" {
		where = " in account " + e.Account
	}
	return fmt.Sprintf("access denied to %s%s: %v", e.Operation, where, e.Err)
}

// Unwrap returns the SDK's error.
func (e *AccessError) Unwrap() error { return e.Err }

// deniedCodes are the error codes AWS answers a refused call with: IAM's,
// CloudTrail's and EC2's.
var deniedCodes = map[string]bool{
	"AccessDenied":          true,
	"AccessDeniedException": true,
	"UnauthorizedOperation": true,
}

// notFoundCodes are the error codes of an entity AWS does not know.
var notFoundCodes = map[string]bool{
	"NoSuchEntity":                true,
	"InvalidInstanceID.NotFound":  true,
	"InvalidInstanceID.Malformed": true,
}

// fail classifies err, the failure of operation op in t's account: a
// refusal becomes an *AccessError, anything else is returned as it is.
func (t target) fail(op string, err error) error {
	if deniedCodes[errorCode(err)] {
		return &AccessError{Operation: op, Account: t.account, Err: err}
	}
	return err
}

// notFound reports whether err says AWS does not know what was asked.
func notFound(err error) bool { return notFoundCodes[errorCode(err)] }

// errorCode returns the AWS error code err carries, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
