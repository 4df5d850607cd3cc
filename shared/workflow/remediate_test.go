package workflow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/remediation"
	"github.com/firebreak/firebreak/shared/store"
	"github.com/firebreak/firebreak/shared/tenant"
)

// Sample entities of events/tenant/tenant.json.
const (
	tnWeb01  = "i-0a1b2c3d4e5f60718"
	tnEICAR  = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	tnCurl   = tnWeb01 + ":4242"
	tnAlex   = "alex.doe@example.com"
	tnKey    = "AKIAIOSFODNN7EXAMPLE"
	tnDocs   = "https://docs-share.malicious.example/view/x9k2p4q7"
	tnIP     = "198.51.100.77"
	tnDomain = "login-verify.malicious.example"
	tnMsg    = "20250313095820.4f2a91c3d7e5@sender.example.net"
)

// seededTenant seeds the repository's simulated tenant into s's table.
func seededTenant(t *testing.T, s *Steps) *tenant.Tenant {
	t.Helper()
	f, err := os.Open("../../events/tenant/tenant.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	snap, err := tenant.ReadSnapshot(f)
	if err != nil {
		t.Fatal(err)
	}
	tn := tenant.New(dynamodblocal.NewClient(dynamodblocal.Endpoint(t)), s.Store.Table())
	if err := tn.Seed(context.Background(), snap); err != nil {
		t.Fatal(err)
	}
	return tn
}

// crashing is a provider that dies after its first calls to the
// provider it wraps took effect, before their answers are recorded, as a
// Lambda killed between the provider's answer and the write does.
type crashing struct {
	remediation.Provider
	crashes int      // calls still to die after
	said    []string // what each call of Do answered
}

func (c *crashing) Do(ctx context.Context, r remediation.Request) (remediation.Result,
	error) {
	res, err := c.Provider.Do(ctx, r)
	c.said = append(c.said, res.Summary)
	if err == nil && c.crashes > 0 {
		c.crashes--
		return remediation.Result{}, errors.New("the Lambda died after the provider answered")
	}
	return res, err
}

// look reads one aspect of the tenant as a string.
type look func(t *testing.T, tn *tenant.Tenant) string

// must returns a read's value, failing t on its error.
func must[T any](t *testing.T) func(T, bool, error) T {
	return func(v T, _ bool, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func filesLook(t *testing.T, tn *tenant.Tenant) string {
	ctx := context.Background()
	on, err := tn.FilesOnHost(ctx, tnWeb01, tnEICAR)
	if err != nil {
		t.Fatal(err)
	}
	away, err := tn.Quarantined(ctx, tnWeb01, tnEICAR)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("on disk %d, quarantined %d", len(on), len(away))
}

func hostLook(t *testing.T, tn *tenant.Tenant) string {
	h := must[tenant.Host](t)(tn.Host(context.Background(), tnWeb01))
	running := slices.ContainsFunc(h.Processes, func(p tenant.Process) bool {
		return p.ID == tnCurl
	})
	return fmt.Sprintf("isolated at %v, curl running %v", h.IsolatedAt, running)
}

func userLook(id string) look {
	return func(t *testing.T, tn *tenant.Tenant) string {
		u := must[tenant.User](t)(tn.User(context.Background(), id))
		return fmt.Sprintf("mfa=%v enabled=%v reset=%v revoked=%v", u.MFA, u.Enabled,
			u.PasswordResetAt, u.SessionsRevokedAt)
	}
}

func keyLook(t *testing.T, tn *tenant.Tenant) string {
	return string(must[tenant.OwnedKey](t)(tn.AccessKey(context.Background(), tnKey)).Status)
}

func blockLook(typ alert.EntityType, key string) look {
	return func(t *testing.T, tn *tenant.Tenant) string {
		b, ok, err := tn.Blocking(context.Background(), alert.Entity{Type: typ, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("blocked=%v at %v", ok, b.At)
	}
}

func mailLook(t *testing.T, tn *tenant.Tenant) string {
	m := must[tenant.Mailbox](t)(tn.Mailbox(context.Background(), tnAlex))
	for _, msg := range m.Messages {
		if msg.ID == tnMsg {
			return fmt.Sprintf("deleted=%v", msg.Deleted)
		}
	}
	return "no message"
}

// everyAction is one action of each type on the sample tenant, with what
// shows its effect.
var everyAction = []struct {
	typ           investigation.ActionType
	target, scope string
	see           look
}{
	{investigation.ActionQuarantineFile, "file:" + tnEICAR, "host:" + tnWeb01, filesLook},
	{investigation.ActionDeleteFile, "file:" + tnEICAR, "host:" + tnWeb01, filesLook},
	{investigation.ActionIsolateHost, "host:" + tnWeb01, "", hostLook},
	{investigation.ActionKillProcess, "process:" + tnCurl, "", hostLook},
	{investigation.ActionResetPassword, "user:" + tnAlex, "", userLook(tnAlex)},
	{investigation.ActionRevokeSessions, "user:sam.lee@example.com", "",
		userLook("sam.lee@example.com")},
	{investigation.ActionRequireMFA, "user:" + tnAlex, "", userLook(tnAlex)},
	{investigation.ActionDisableUser, "user:jamie.roe@example.com", "",
		userLook("jamie.roe@example.com")},
	{investigation.ActionDisableAccessKey, "access_key:" + tnKey, "", keyLook},
	{investigation.ActionBlockURL, "url:" + tnDocs, "", blockLook(alert.EntityURL, tnDocs)},
	{investigation.ActionBlockDomain, "domain:" + tnDomain, "",
		blockLook(alert.EntityDomain, tnDomain)},
	{investigation.ActionBlockIP, "ip:" + tnIP, "", blockLook(alert.EntityIP, tnIP)},
	{investigation.ActionDeleteEmail, "email_message:" + tnMsg, "mailbox:" + tnAlex, mailLook},
}

// approvedAction stores an investigation with one approved action.
func approvedAction(t *testing.T, s *Steps, typ investigation.ActionType, target,
	scope string) (invID string, a investigation.Action) {
	t.Helper()
	ctx := context.Background()
	opened, err := s.Store.Ingest(ctx, hostAlert("rem-"+store.NewID(), tnWeb01))
	if err != nil {
		t.Fatal(err)
	}
	invID = opened.InvestigationID
	a, err = s.Store.ProposeAction(ctx, invID, investigation.Action{
		ID: store.ActionID(invID, typ, target, scope), Type: typ, Target: target,
		Scope: scope, Status: investigation.ActionApproved, ApprovedBy: "ana@example.com",
		Reason: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return invID, a
}

// action returns the stored action.
func action(t *testing.T, s *Steps, invID, actID string) investigation.Action {
	t.Helper()
	acts, err := s.Store.Actions(context.Background(), invID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acts {
		if a.ID == actID {
			return a
		}
	}
	t.Fatalf("no action %s", actID)
	return investigation.Action{}
}

// events returns the timeline events of kind.
func events(t *testing.T, s *Steps, invID, kind string) []investigation.Event {
	t.Helper()
	rec, err := s.Store.Record(context.Background(), invID)
	if err != nil {
		t.Fatal(err)
	}
	var out []investigation.Event
	for _, e := range rec.Timeline {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// TestEveryActionRunsOnceSurvivesACrashAndUndoes runs each action type
// through the Remediate step against the simulated tenant in DynamoDB
// Local: the first attempt takes effect and dies before recording it;
// the retry finds the effect made and changes nothing more; a third call
// calls nothing; a reversible action is then undone through the Undoer,
// once.
func TestEveryActionRunsOnceSurvivesACrashAndUndoes(t *testing.T) {
	for _, tt := range everyAction {
		t.Run(string(tt.typ), func(t *testing.T) {
			s, ctx := newSteps(t, &starts{}), context.Background()
			tn := seededTenant(t, s)
			p := &crashing{Provider: tn.Provider(), crashes: 1}
			s.Remediator = remediation.NewRegistry(remediation.Route{Provider: p})
			invID, a := approvedAction(t, s, tt.typ, tt.target, tt.scope)
			in := RemediateInput{InvestigationID: invID, ActionID: a.ID}
			before := tt.see(t, tn)

			// the first attempt takes effect, then dies
			_, err := s.Remediate(ctx, in)
			var re *RetryableError
			if !errors.As(err, &re) {
				t.Fatalf("first attempt: got %v, want a *RetryableError", err)
			}
			after := tt.see(t, tn)
			if after == before {
				t.Fatalf("the first attempt changed nothing: %s", after)
			}
			if got := action(t, s, invID, a.ID).Status; got != investigation.ActionRunning {
				t.Errorf("after the crash the action is %s, want running", got)
			}

			// the retry changes nothing more and records the outcome
			out, err := s.Remediate(ctx, in)
			if err != nil || out.Succeeded != 1 {
				t.Fatalf("retry: got %+v, %v; want 1 succeeded", out, err)
			}
			if got := tt.see(t, tn); got != after {
				t.Errorf("the retry had a second effect: got %s, want %s", got, after)
			}
			if !strings.Contains(p.said[1], "nothing changed") {
				t.Errorf("the retry's provider call said %q, want nothing changed", p.said[1])
			}
			got := action(t, s, invID, a.ID)
			if got.Status != investigation.ActionSucceeded {
				t.Errorf("after the retry the action is %s, want succeeded", got.Status)
			}
			ev := events(t, s, invID, "action_succeeded")
			if len(ev) != 1 || !strings.Contains(ev[0].Message, "approved by ana@example.com") ||
				!strings.Contains(ev[0].Message, "through tenant") ||
				!strings.Contains(ev[0].Message, "2 attempts") {
				t.Errorf("timeline: got %+v, want one event naming the approver, the "+
					"provider and 2 attempts", ev)
			}

			// a third call calls nothing
			if out, err := s.Remediate(ctx, in); err != nil || out != (RemediateOutput{}) {
				t.Errorf("third call: got %+v, %v; want nothing run", out, err)
			}
			if len(p.said) != 2 {
				t.Errorf("the provider was called %d times, want 2", len(p.said))
			}

			checkUndo(t, s, tn, tt.see, invID, a, before, after)
		})
	}
}

// checkUndo undoes a through an Undoer: a reversible action goes back to
// before, once; an irreversible one is refused and stays after.
func checkUndo(t *testing.T, s *Steps, tn *tenant.Tenant, see look, invID string,
	a investigation.Action, before, after string) {
	t.Helper()
	ctx := context.Background()
	u := &Undoer{Store: s.Store, Remediator: s.Remediator, Log: s.Log, Now: s.Now}
	_, err := u.Undo(ctx, invID, a.ID, "bob@example.com", "")
	var not *NotUndoableError
	if !investigation.Actions[a.Type].Reversible {
		if !errors.As(err, &not) {
			t.Errorf("undo of an irreversible action: got %v, want *NotUndoableError", err)
		}
		if got := see(t, tn); got != after {
			t.Errorf("a refused undo changed the tenant: got %s, want %s", got, after)
		}
		return
	}
	if err != nil {
		t.Fatalf("undo: %v", err)
	}
	if got := see(t, tn); got != before {
		t.Errorf("after undo: got %s, want %s as before", got, before)
	}
	if got := action(t, s, invID, a.ID).Status; got != investigation.ActionUndone {
		t.Errorf("after undo the action is %s, want undone", got)
	}
	ev := events(t, s, invID, "action_undone")
	if len(ev) != 1 || ev[0].Actor != "bob@example.com" {
		t.Errorf("timeline: got %+v, want one action_undone by bob@example.com", ev)
	}
	if _, err := u.Undo(ctx, invID, a.ID, "bob@example.com", ""); !errors.As(err, &not) {
		t.Errorf("second undo: got %v, want *NotUndoableError", err)
	}
}

// TestRemediateFailsAnActionTheProviderRefuses runs an action on a user
// the tenant does not know: the action fails with the tenant's reason,
// and the step does not ask to be retried.
func TestRemediateFailsAnActionTheProviderRefuses(t *testing.T) {
	s, ctx := newSteps(t, &starts{}), context.Background()
	tn := seededTenant(t, s)
	s.Remediator = remediation.NewRegistry(remediation.Route{Provider: tn.Provider()})
	invID, a := approvedAction(t, s, investigation.ActionDisableUser,
		"user:nobody@example.com", "")
	out, err := s.Remediate(ctx, RemediateInput{InvestigationID: invID})
	if err != nil || out.Failed != 1 {
		t.Fatalf("got %+v, %v; want 1 failed", out, err)
	}
	got := action(t, s, invID, a.ID)
	if got.Status != investigation.ActionFailed ||
		!strings.Contains(got.Result, "the tenant has no user nobody@example.com") {
		t.Errorf("got %s %q, want failed with the tenant's reason", got.Status, got.Result)
	}
}

// TestRemediateFailsAnActionNoProviderTakes routes require_mfa to a
// provider list that lacks it: the action fails saying so.
func TestRemediateFailsAnActionNoProviderTakes(t *testing.T) {
	s, ctx := newSteps(t, &starts{}), context.Background()
	tn := seededTenant(t, s)
	s.Remediator = remediation.NewRegistry(remediation.Route{Provider: tn.Provider(),
		Actions: []investigation.ActionType{investigation.ActionIsolateHost}})
	invID, a := approvedAction(t, s, investigation.ActionRequireMFA, "user:"+tnAlex, "")
	if _, err := s.Remediate(ctx, RemediateInput{InvestigationID: invID}); err != nil {
		t.Fatal(err)
	}
	got := action(t, s, invID, a.ID)
	if got.Status != investigation.ActionFailed ||
		!strings.Contains(got.Result, "no remediation provider is configured for require_mfa") {
		t.Errorf("got %s %q, want failed for want of a provider", got.Status, got.Result)
	}
}

// TestDryRunRecordsWhatItWouldDoAndChangesNothing runs isolate_host
// through the tenant in dry run.
func TestDryRunRecordsWhatItWouldDoAndChangesNothing(t *testing.T) {
	s, ctx := newSteps(t, &starts{}), context.Background()
	tn := seededTenant(t, s)
	s.Remediator = remediation.NewRegistry(
		remediation.Route{Provider: remediation.DryRun(tn.Provider())})
	invID, a := approvedAction(t, s, investigation.ActionIsolateHost, "host:"+tnWeb01, "")
	before := hostLook(t, tn)
	if _, err := s.Remediate(ctx, RemediateInput{InvestigationID: invID}); err != nil {
		t.Fatal(err)
	}
	if got := hostLook(t, tn); got != before {
		t.Errorf("dry run changed the tenant: got %s, want %s", got, before)
	}
	want := "dry run: would isolate_host host:" + tnWeb01 + " through tenant"
	if got := action(t, s, invID, a.ID).Result; got != want {
		t.Errorf("result: got %q, want %q", got, want)
	}
}

// TestRemediateAfterTheRunWasRecordedCallsNoProvider plays a Lambda that
// died after recording the provider's answer on the run but before moving
// the action: the retry records the outcome from the run and calls
// nothing.
func TestRemediateAfterTheRunWasRecordedCallsNoProvider(t *testing.T) {
	s, ctx := newSteps(t, &starts{}), context.Background()
	tn := seededTenant(t, s)
	p := &crashing{Provider: tn.Provider()}
	s.Remediator = remediation.NewRegistry(remediation.Route{Provider: p})
	invID, a := approvedAction(t, s, investigation.ActionIsolateHost, "host:"+tnWeb01, "")

	// the earlier attempt: running, run begun and finished, then death
	err := s.Store.TransitionAction(ctx, invID, a.ID, investigation.ActionRunning,
		store.ActionChange{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Store.StartRun(ctx, invID, a.ID, "tenant", "isolate_host"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Store.FinishRun(ctx, invID, a.ID, store.Run{
		Outcome: investigation.ActionSucceeded, Summary: "isolated web-01 earlier"})
	if err != nil {
		t.Fatal(err)
	}

	out, err := s.Remediate(ctx, RemediateInput{InvestigationID: invID})
	if err != nil || out.Succeeded != 1 {
		t.Fatalf("got %+v, %v; want 1 succeeded", out, err)
	}
	if len(p.said) != 0 {
		t.Errorf("the provider was called %d times, want none", len(p.said))
	}
	got := action(t, s, invID, a.ID)
	if got.Status != investigation.ActionSucceeded || got.Result != "isolated web-01 earlier" {
		t.Errorf("got %s %q, want succeeded with the recorded answer", got.Status, got.Result)
	}
}

// TestRemediateGivenUpEndsTheActionWithItsRun plays the state machine
// giving up on Remediate after its retries: the action never stays
// running. It keeps the outcome an attempt recorded before dying, or else
// fails with the last error caught, once, and calls no provider.
func TestRemediateGivenUpEndsTheActionWithItsRun(t *testing.T) {
	cause := `{"errorMessage":"webhook: HTTP 503, worth retrying","errorType":"RetryableError"}`
	tests := []struct {
		name       string
		before     func(t *testing.T, s *Steps, invID, actID string)
		wantStatus investigation.ActionStatus
		wantResult string
	}{
		{"never began", func(*testing.T, *Steps, string, string) {},
			investigation.ActionFailed,
			"gave up before any attempt: webhook: HTTP 503, worth retrying"},
		{"began twice, never answered", func(t *testing.T, s *Steps, invID, actID string) {
			running(t, s, invID, actID)
			for range 2 {
				if _, err := s.Store.StartRun(context.Background(), invID, actID, "tenant",
					"isolate_host"); err != nil {
					t.Fatal(err)
				}
			}
		}, investigation.ActionFailed,
			"gave up after 2 attempts: webhook: HTTP 503, worth retrying"},
		{"answered, then died", func(t *testing.T, s *Steps, invID, actID string) {
			running(t, s, invID, actID)
			ctx := context.Background()
			if _, err := s.Store.StartRun(ctx, invID, actID, "tenant", "isolate_host"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Store.FinishRun(ctx, invID, actID, store.Run{
				Outcome: investigation.ActionSucceeded, Summary: "isolated web-01"}); err != nil {
				t.Fatal(err)
			}
		}, investigation.ActionSucceeded, "isolated web-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ctx := newSteps(t, &starts{}), context.Background()
			p := &crashing{Provider: seededTenant(t, s).Provider()}
			s.Remediator = remediation.NewRegistry(remediation.Route{Provider: p})
			invID, a := approvedAction(t, s, investigation.ActionIsolateHost, "host:"+tnWeb01, "")
			tt.before(t, s, invID, a.ID)

			in := RemediateInput{InvestigationID: invID, ActionID: a.ID,
				GaveUp: &StepError{Error: "RetryableError", Cause: cause}}
			for range 2 { // the second, a retry of the first, changes nothing
				if _, err := s.Remediate(ctx, in); err != nil {
					t.Fatalf("Remediate given up: %v", err)
				}
			}
			got := action(t, s, invID, a.ID)
			if got.Status != tt.wantStatus || got.Result != tt.wantResult {
				t.Errorf("got %s %q, want %s %q", got.Status, got.Result, tt.wantStatus,
					tt.wantResult)
			}
			if n := len(events(t, s, invID, "action_"+string(tt.wantStatus))); n != 1 {
				t.Errorf("got %d timeline events of the outcome, want 1", n)
			}
			if len(p.said) != 0 {
				t.Errorf("the provider was called %d times, want none", len(p.said))
			}
		})
	}
}

// running moves action actID to running, as an attempt does first.
func running(t *testing.T, s *Steps, invID, actID string) {
	t.Helper()
	err := s.Store.TransitionAction(context.Background(), invID, actID,
		investigation.ActionRunning, store.ActionChange{})
	if err != nil {
		t.Fatal(err)
	}
}

// flaky fails every action of one type transiently, and runs the others
// through the provider it wraps.
type flaky struct {
	remediation.Provider
	fails investigation.ActionType
}

func (f flaky) Do(ctx context.Context, r remediation.Request) (remediation.Result, error) {
	if r.Type == f.fails {
		return remediation.Result{}, errors.New("provider: HTTP 503")
	}
	return f.Provider.Do(ctx, r)
}

// TestRemediateAllRunsEveryActionPastOneThatFailsTransiently runs the
// approved actions of one investigation in one step, as RemediateApproved
// does: an action whose provider keeps failing transiently holds up no
// other, the step asks to be retried for it, and once the state machine
// gives up, only that action fails, with the last error.
func TestRemediateAllRunsEveryActionPastOneThatFailsTransiently(t *testing.T) {
	s, ctx := newSteps(t, &starts{}), context.Background()
	p := flaky{Provider: seededTenant(t, s).Provider(), fails: investigation.ActionIsolateHost}
	s.Remediator = remediation.NewRegistry(remediation.Route{Provider: p})
	invID, stuck := approvedAction(t, s, investigation.ActionIsolateHost, "host:"+tnWeb01, "")
	fine, err := s.Store.ProposeAction(ctx, invID, investigation.Action{
		ID:   store.ActionID(invID, investigation.ActionBlockIP, "ip:"+tnIP, ""),
		Type: investigation.ActionBlockIP, Target: "ip:" + tnIP,
		Status: investigation.ActionApproved, ApprovedBy: "ana@example.com", Reason: "test"})
	if err != nil {
		t.Fatal(err)
	}

	// the first attempt runs both and asks to be retried for one
	out, err := s.Remediate(ctx, RemediateInput{InvestigationID: invID})
	var re *RetryableError
	if !errors.As(err, &re) || out.Succeeded != 1 {
		t.Fatalf("got %+v, %v; want 1 succeeded and a *RetryableError", out, err)
	}
	if got := action(t, s, invID, fine.ID).Status; got != investigation.ActionSucceeded {
		t.Errorf("the action the failure should not hold up is %s, want succeeded", got)
	}

	// giving up ends the one left, with its error
	gaveUp := &StepError{Error: "RetryableError", Cause: `{"errorMessage":"provider: HTTP 503"}`}
	out, err = s.Remediate(ctx, RemediateInput{InvestigationID: invID, GaveUp: gaveUp})
	if err != nil || out.Failed != 1 || out.Succeeded != 0 {
		t.Fatalf("giving up: got %+v, %v; want the 1 action left failed", out, err)
	}
	got := action(t, s, invID, stuck.ID)
	if got.Status != investigation.ActionFailed || !strings.Contains(got.Result, "HTTP 503") {
		t.Errorf("got %s %q, want failed with the provider's last error", got.Status,
			got.Result)
	}
	if got := action(t, s, invID, fine.ID).Status; got != investigation.ActionSucceeded {
		t.Errorf("giving up changed a succeeded action to %s", got)
	}
}
