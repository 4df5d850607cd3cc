package aws

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/firebreak/firebreak/shared/remediation"
)

// throttleCodes are the error codes AWS services answer a caller that
// calls too fast with; retrying later cures them.
var throttleCodes = map[string]bool{
	"Throttling":                             true,
	"ThrottlingException":                    true,
	"ThrottledException":                     true,
	"TooManyRequestsException":               true,
	"RequestLimitExceeded":                   true,
	"RequestThrottled":                       true,
	"RequestThrottledException":              true,
	"SlowDown":                               true,
	"ProvisionedThroughputExceededException": true,
	"WAFUnavailableEntityException":          true,
	"WAFOptimisticLockException":             true,
	"ConcurrentModification":                 true,
	"ConcurrentModificationException":        true,
	"PriorRequestNotComplete":                true,
}

// fail classifies err, the failure of op (such as "iam:UpdateAccessKey"):
// a refusal retrying cannot cure becomes a *remediation.PermanentError
// with the service's code and message as its reason; throttling, answers
// of 5xx and failures to get an answer at all (timeouts, connections
// refused) are returned wrapped, as transient.
func fail(op string, err error) error {
	if err == nil {
		return nil
	}
	if remediation.Permanent(err) {
		return err
	}
	if !refused(err) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return &remediation.PermanentError{Provider: ProviderName,
		Reason: op + ": " + reason(err), Err: err}
}

// refused reports whether err is an answer of AWS that retrying cannot
// cure: an error code of a client fault that is no throttling, with a 4xx
// status when the answer has one.
func refused(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) || throttleCodes[ae.ErrorCode()] {
		return false
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		s := re.HTTPStatusCode()
		return s >= 400 && s < 500 && s != http.StatusRequestTimeout &&
			s != http.StatusTooManyRequests
	}
	return ae.ErrorFault() == smithy.FaultClient
}

// reason is the service's code and message of err.
func reason(err error) string {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return err.Error()
	}
	msg := strings.TrimSpace(ae.ErrorMessage())
	if msg == "" {
		return ae.ErrorCode()
	}
	return ae.ErrorCode() + ": " + msg
}

// errorCode returns the AWS error code err carries, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// notFound reports whether err says AWS does not know what was asked.
func notFound(err error) bool {
	code := errorCode(err)
	if code == "NoSuchEntity" || code == "NoSuchKey" || code == "NotFound" ||
		strings.HasSuffix(code, ".NotFound") {
		return true
	}
	var re *smithyhttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}
