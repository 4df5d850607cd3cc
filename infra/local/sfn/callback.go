package sfn

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
)

// errHeartbeatTimeout is the cancellation cause when a callback task misses
// its HeartbeatSeconds.
var errHeartbeatTimeout = errors.New("task heartbeat timed out")

// taskAnswer is what SendTaskSuccess or SendTaskFailure said about a task
// token: an output, or an error and cause.
type taskAnswer struct {
	Output *string `json:"output,omitempty"`
	Error  string  `json:"error,omitempty"`
	Cause  string  `json:"cause,omitempty"`
}

// result returns the task result the answer stands for, or its failure.
func (a *taskAnswer) result() (any, error) {
	if a.Output == nil {
		return nil, &statesError{name: a.Error, cause: a.Cause}
	}
	v, err := decodeJSON([]byte(*a.Output))
	if err != nil {
		return nil, runtimeErrorf("the task output is not JSON: %v", err)
	}
	return v, nil
}

// waiter is a task waiting on its token. answered is closed once answer is
// set; beat receives heartbeats.
type waiter struct {
	x        *execution
	answered chan struct{}
	answer   *taskAnswer
	beat     chan struct{}
}

// tokenRegistry knows every task token the engine handed out: the open ones
// by their waiter, the closed ones by the error code a late answer gets.
type tokenRegistry struct {
	mu     sync.Mutex
	open   map[string]*waiter
	closed map[string]string // TaskDoesNotExist or TaskTimedOut
}

func newTokenRegistry() tokenRegistry {
	return tokenRegistry{open: map[string]*waiter{}, closed: map[string]string{}}
}

// taskTokenBytes is the length of a task token before base64url encoding,
// and tokenPrefix what each token starts with.
const (
	taskTokenBytes = sha256.Size
	tokenPrefix    = "AQ"
)

// taskToken returns the token of the task at position where, on its attempt.
// Tokens are derived, not drawn, so that a resumed execution hands out the
// same token for the same task as before the restart.
func (x *execution) taskToken(where string, attempt int) string {
	mac := hmac.New(sha256.New, x.secret)
	mac.Write([]byte(x.arn + "\x00" + where + "\x00" + strconv.Itoa(attempt)))
	// "AQ" starts it as AWS's tokens start, and never with "-", which a
	// command line's parser would take for an option
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// openWaiter returns the waiter of token, registering it for x if needed.
func (r *tokenRegistry) openWaiter(token string, x *execution) *waiter {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w, ok := r.open[token]; ok {
		return w
	}
	w := &waiter{x: x, answered: make(chan struct{}), beat: make(chan struct{}, 1)}
	r.open[token] = w
	delete(r.closed, token)
	return w
}

// closeWaiter stops waiting on token; a later answer gets code.
func (r *tokenRegistry) closeWaiter(token, code string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.open, token)
	r.closed[token] = code
}

// find returns the open waiter of token, or the API error for a token that
// is malformed, unknown or closed.
func (r *tokenRegistry) find(token string) (*waiter, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w, ok := r.open[token]; ok {
		return w, nil
	}
	if code, ok := r.closed[token]; ok {
		if code == codeTaskTimedOut {
			return nil, apiErrorf(code, "Task Timed Out: the task of this token timed out")
		}
		return nil, apiErrorf(code, "Task Does Not Exist: the task of this token has closed")
	}
	return nil, apiErrorf(codeInvalidToken, "Invalid Token: the token is %s",
		tokenProblem(token))
}

// tokenProblem says why a token the engine does not know is invalid.
func tokenProblem(token string) string {
	body, ok := strings.CutPrefix(token, tokenPrefix)
	b, err := base64.RawURLEncoding.DecodeString(body)
	if !ok || err != nil || len(b) != taskTokenBytes {
		return "malformed"
	}
	return "not one this engine issued"
}

// answerTask delivers an answer to the task waiting on token. The first
// answer wins; a second one finds the token closed.
func (e *Engine) answerTask(token string, a *taskAnswer) error {
	w, err := e.tokens.find(token)
	if err != nil {
		return err
	}
	if !w.x.resolve(token, a) {
		return apiErrorf(codeTaskDoesNotExist, "Task Token is no longer valid: "+
			"the task was already answered")
	}
	e.persist(w.x)
	e.tokens.mu.Lock()
	if w.answer == nil {
		w.answer = a
		close(w.answered)
	}
	e.tokens.mu.Unlock()
	return nil
}

// heartbeatTask resets the heartbeat timer of the task waiting on token.
func (e *Engine) heartbeatTask(token string) error {
	w, err := e.tokens.find(token)
	if err != nil {
		return err
	}
	select {
	case w.beat <- struct{}{}:
	default: // a beat is already pending
	}
	return nil
}

// resolve records the answer for token unless it already has one.
func (x *execution) resolve(token string, a *taskAnswer) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, done := x.resolved[token]; done || x.status != statusRunning {
		return false
	}
	x.resolved[token] = a
	delete(x.waiting, token)
	return true
}

// answerFor returns the recorded answer for token, nil if none yet.
func (x *execution) answerFor(token string) *taskAnswer {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.resolved[token]
}

// handedOut reports whether token was already given to its task, and marks
// it given.
func (x *execution) handedOut(token string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	given := x.waiting[token]
	x.waiting[token] = true
	return given
}

// awaitAnswer waits until w is answered, ctx ends or no heartbeat arrives
// within heartbeat (zero waits for ever).
func (e *Engine) awaitAnswer(ctx context.Context, w *waiter, heartbeat time.Duration) (
	*taskAnswer, error) {
	for {
		// time the heartbeat on the engine's clock
		hctx, cancel := context.WithCancel(ctx)
		expired := make(chan struct{})
		if heartbeat > 0 {
			go func() {
				if e.clock.Sleep(hctx, heartbeat) == nil {
					close(expired)
				}
			}()
		}

		// wait for the answer, a heartbeat, the deadline or the end
		select {
		case <-w.answered:
			cancel()
			return w.answer, nil
		case <-w.beat:
			cancel()
		case <-expired:
			cancel()
			return nil, errHeartbeatTimeout
		case <-ctx.Done():
			cancel()
			return nil, context.Cause(ctx)
		}
	}
}
