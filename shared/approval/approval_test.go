package approval

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/settings"
	"github.com/firebreak/firebreak/shared/store"
)

func TestMain(m *testing.M) { os.Exit(dynamodblocal.RunTests(m)) }

// answers records every SendTaskSuccess, as the engine would see them.
type answers struct {
	mu    sync.Mutex
	calls []sfn.SendTaskSuccessInput
}

func (a *answers) SendTaskSuccess(_ context.Context, in *sfn.SendTaskSuccessInput,
	_ ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, *in)
	return &sfn.SendTaskSuccessOutput{}, nil
}

// newService returns a service over a fresh table holding an
// investigation with one proposed action, logging into logs. It returns
// the investigation's and the action's ids.
func newService(t *testing.T, tasks Tasks, logs *bytes.Buffer) (*Service, string, string) {
	t.Helper()
	db := dynamodblocal.NewClient(dynamodblocal.Endpoint(t))
	name := "firebreak-" + strings.ToLower(store.NewID())
	if err := store.CreateTable(context.Background(), db, name); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	st := store.New(db, name)
	host := alert.Entity{Type: alert.EntityHost, Key: "web-01"}
	inv, err := st.StartManual(context.Background(), store.ManualStart{Entity: &host,
		Playbook: "general", Automation: investigation.LevelSemi, Window: time.Hour,
		StartedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	act, err := st.ProposeAction(context.Background(), inv.ID, investigation.Action{
		ID: "act-1", Type: investigation.ActionIsolateHost, Status: investigation.ActionProposed,
		Target: "host:web-01", Reason: "malicious: <script>alert(1)</script>"})
	if err != nil {
		t.Fatal(err)
	}
	set, _ := settings.ParseApprovals(nil)
	return &Service{Store: st, Tasks: tasks, Secret: []byte("test-secret"), Settings: set,
		Log: slog.New(slog.NewJSONHandler(logs, nil)), Now: time.Now}, inv.ID, act.ID
}

func TestConcurrentDecisionsSendOneAnswer(t *testing.T) {
	tasks, logs := &answers{}, &bytes.Buffer{}
	s, invID, actID := newService(t, tasks, logs)
	req, err := s.Request(context.Background(), invID, actID, "token-secret-1")
	if err != nil {
		t.Fatal(err)
	}

	// eight clicks at once
	const clicks = 8
	outcomes := make([]Outcome, clicks)
	var wg sync.WaitGroup
	for i := range clicks {
		wg.Go(func() {
			_, out, err := s.Decide(context.Background(), req.Approval.ID, true,
				"analyst@example.com")
			if err != nil {
				t.Errorf("Decide: %v", err)
			}
			outcomes[i] = out
		})
	}
	wg.Wait()

	decided := 0
	for _, o := range outcomes {
		decided += map[Outcome]int{Decided: 1}[o]
	}
	if len(tasks.calls) != 1 || decided != 1 {
		t.Fatalf("%d SendTaskSuccess calls and %d winning clicks, want exactly 1 of each "+
			"(outcomes %v)", len(tasks.calls), decided, outcomes)
	}
	if got := aws.ToString(tasks.calls[0].Output); got != `{"decision":"approved"}` {
		t.Errorf("output %s, want {\"decision\":\"approved\"}", got)
	}
	a, _ := s.Store.Approval(context.Background(), req.Approval.ID)
	if a.Status != store.ApprovalApproved || a.DecidedBy != "analyst@example.com" {
		t.Errorf("approval %s by %q, want approved by analyst@example.com", a.Status,
			a.DecidedBy)
	}
}

func TestRetriedRequestKeepsOneApprovalAndTheNewToken(t *testing.T) {
	tasks, logs := &answers{}, &bytes.Buffer{}
	s, invID, actID := newService(t, tasks, logs)
	first, err := s.Request(context.Background(), invID, actID, "token-old")
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Request(context.Background(), invID, actID, "token-new")
	if err != nil {
		t.Fatal(err)
	}
	if first.Approval.ID != second.Approval.ID ||
		!first.Approval.Expires.Equal(second.Approval.Expires) {
		t.Fatalf("approvals %+v and %+v, want the same one", first.Approval, second.Approval)
	}
	if _, out, err := s.Decide(context.Background(), first.Approval.ID, false,
		"a@example.com"); err != nil || out != Decided {
		t.Fatalf("Decide = %v, %v; want Decided", out, err)
	}
	if len(tasks.calls) != 1 || aws.ToString(tasks.calls[0].TaskToken) != "token-new" {
		t.Fatalf("answered %v, want the newest token once", tasks.calls)
	}

	// a wait retried after the decision is told so, and nothing changes
	third, err := s.Request(context.Background(), invID, actID, "token-third")
	if err != nil || !third.DecidedBefore || third.Approval.Status != store.ApprovalRejected {
		t.Fatalf("Request after the decision = %+v, %v; want it decided before", third, err)
	}
	if len(tasks.calls) != 1 {
		t.Errorf("answers %v, want only the decision's", tasks.calls)
	}
	for _, tok := range []string{"token-old", "token-new", "token-third"} {
		if strings.Contains(logs.String(), tok) {
			t.Errorf("the log carries task token %s:\n%s", tok, logs)
		}
	}
}

func TestLinkRefusesTamperingAndExpiry(t *testing.T) {
	now := time.Now()
	a := store.Approval{ID: "apr-1", ActionID: "act-1", Group: "hosts",
		Expires: now.Add(time.Hour)}
	secret := []byte("k")
	link := func(d string, a store.Approval) Link {
		q := URL(secret, "http://x", a, d)
		i := strings.Index(q, "?")
		v, _ := parseQuery(q[i+1:])
		return Link{Decision: v["d"], Expires: v["exp"], Sig: v["sig"]}
	}
	good := link(Approve, a)
	if err := Verify(secret, a, good, now); err != nil {
		t.Fatalf("Verify(good link) = %v", err)
	}
	other := a
	other.Group = "identities"
	tests := []struct {
		name string
		a    store.Approval
		l    Link
		want error
	}{
		{"decision changed", a, Link{Reject, good.Expires, good.Sig}, ErrBadSignature},
		{"expiry changed", a, Link{Approve, "99999999999", good.Sig}, ErrBadSignature},
		{"other group", other, good, ErrBadSignature},
		{"expired", a, good, ErrExpired},
	}
	for _, tt := range tests {
		at := now
		if tt.name == "expired" {
			at = now.Add(2 * time.Hour)
		}
		if got := Verify(secret, tt.a, tt.l, at); got != tt.want {
			t.Errorf("%s: Verify = %v, want %v", tt.name, got, tt.want)
		}
	}
	if Verify([]byte("other"), a, good, now) != ErrBadSignature {
		t.Errorf("a link signed with another secret verified")
	}
}

// parseQuery splits a query string without unescaping, enough for links.
func parseQuery(q string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out, nil
}

// refusing answers every SendTaskSuccess with err, as Step Functions does
// once a wait is over or its token is bad.
type refusing struct{ err error }

func (r refusing) SendTaskSuccess(context.Context, *sfn.SendTaskSuccessInput,
	...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	return nil, r.err
}

func TestAWaitStepFunctionsNoLongerHoldsBecomesAnOutcomeNotAnError(t *testing.T) {
	for _, tt := range []struct {
		name       string
		err        error
		want       Outcome
		wantStatus string
	}{
		{"TaskTimedOut", &sfntypes.TaskTimedOut{Message: aws.String("timed out")},
			Expired, store.ApprovalExpired},
		{"TaskDoesNotExist", &sfntypes.TaskDoesNotExist{Message: aws.String("gone")},
			Expired, store.ApprovalExpired},
		{"InvalidToken", &sfntypes.InvalidToken{Message: aws.String("bad token")},
			InvalidToken, store.ApprovalApproved},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, invID, actID := newService(t, refusing{tt.err}, &bytes.Buffer{})
			req, err := s.Request(context.Background(), invID, actID, "token-"+tt.name)
			if err != nil {
				t.Fatal(err)
			}
			a, out, err := s.Decide(context.Background(), req.Approval.ID, true, "ana@x.org")
			if err != nil || out != tt.want {
				t.Fatalf("Decide = %v, %v; want outcome %v and no error", out, err, tt.want)
			}
			stored, _ := s.Store.Approval(context.Background(), req.Approval.ID)
			if a.Status != tt.wantStatus || stored.Status != tt.wantStatus {
				t.Errorf("approval answered %s, stored %s; want %s", a.Status,
					stored.Status, tt.wantStatus)
			}
		})
	}
}
