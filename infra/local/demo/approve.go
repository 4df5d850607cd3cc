package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/shared/approval/endpoint"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Approval is an action that waited for a person during a run: its links,
// as a notification would carry them, and what the demo's analyst did
// with them.
type Approval struct {
	InvestigationID string                   `json:"investigation_id"`
	ActionID        string                   `json:"action_id"`
	Type            investigation.ActionType `json:"type"`
	Target          string                   `json:"target"`
	ApproveURL      string                   `json:"approve_url"`
	RejectURL       string                   `json:"reject_url"`
	// Decided says what the approval page answered the analyst's POST.
	Decided string `json:"decided"`
}

// settle waits for investigation id's execution to end. Each time it
// waits only on people, the demo's analyst approves every pending action
// as a person would: opening the link (GET), then confirming (POST). The
// approvals go into out.
func (t Target) settle(ctx context.Context, states *sfn.Client, id string,
	out *Outcome) (string, error) {
	for {
		status, pending, err := t.waitOrPending(ctx, states, id)
		if err != nil || len(pending) == 0 {
			return status, err
		}
		for _, p := range pending {
			a := Approval{InvestigationID: id, ActionID: p.ID, Type: p.Type,
				Target: p.Target, ApproveURL: p.ApproveURL, RejectURL: p.RejectURL}
			if a.Decided, err = t.approve(ctx, p.ApproveURL); err != nil {
				return "", fmt.Errorf("approve %s of %s: %w", p.ID, id, err)
			}
			out.Approvals = append(out.Approvals, a)
		}
	}
}

// waitOrPending polls investigation id until its execution stops running,
// or it waits only on people: no action is left to run and each waiting
// one is listed by GET /api/actions. It returns the execution's status,
// and the pending actions when it waits.
func (t Target) waitOrPending(ctx context.Context, states *sfn.Client, id string) (
	string, []endpoint.PendingView, error) {
	ctx, cancel := context.WithTimeout(ctx, executionTimeout)
	defer cancel()
	for {
		out, err := states.DescribeExecution(ctx, &sfn.DescribeExecutionInput{
			ExecutionArn: aws.String(t.ExecutionARN(id))})
		if err != nil {
			return "", nil, fmt.Errorf("describe execution of %s: %w", id, err)
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			return string(out.Status), nil, nil
		}
		pending, err := t.waitingOnPeople(ctx, id)
		if err != nil || len(pending) > 0 {
			return string(out.Status), pending, err
		}
		select {
		case <-ctx.Done():
			return "", nil, fmt.Errorf("investigation %s still running after %s", id,
				executionTimeout)
		case <-time.After(t.PollInterval):
		}
	}
}

// waitingOnPeople returns the pending actions of investigation id when
// every action of it is decided, done, or waiting and listed; else none.
func (t Target) waitingOnPeople(ctx context.Context, id string) ([]endpoint.PendingView,
	error) {
	v, err := t.investigation(ctx, id)
	if err != nil {
		return nil, err
	}
	waiting := 0
	for _, a := range v.Actions {
		switch a.Status {
		case investigation.ActionProposed, investigation.ActionApproved,
			investigation.ActionRunning:
			return nil, nil
		case investigation.ActionPendingApproval:
			waiting++
		}
	}
	var listed struct{ Actions []endpoint.PendingView }
	if err := t.getJSON(ctx, "/api/actions?status=pending_approval", &listed); err != nil {
		return nil, err
	}
	var mine []endpoint.PendingView
	for _, p := range listed.Actions {
		if p.InvestigationID == id {
			mine = append(mine, p)
		}
	}
	if waiting == 0 || len(mine) != waiting {
		return nil, nil
	}
	return mine, nil
}

// hidden finds the confirmation form's hidden fields.
var hidden = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)

// approve opens link, as a person clicking it in an email would, and
// confirms on the page it shows, and returns what the answer page says.
func (t Target) approve(ctx context.Context, link string) (string, error) {
	// GET: the confirmation page, which changes nothing
	page, err := t.fetch(ctx, http.MethodGet, link, nil)
	if err != nil {
		return "", err
	}
	form := url.Values{}
	for _, m := range hidden.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("csrf") == "" {
		return "", fmt.Errorf("the page of %s has no confirmation form", link)
	}

	// POST: the decision
	u, err := url.Parse(link)
	if err != nil {
		return "", err
	}
	answer, err := t.fetch(ctx, http.MethodPost, t.URL+u.Path,
		strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`id="outcome">([^<]*)<`).FindStringSubmatch(answer)
	if m == nil {
		return "", fmt.Errorf("the answer to approving %s says nothing", u.Path)
	}
	return html.UnescapeString(m[1]), nil
}

// fetch sends a page request; a form body is sent as a browser sends one.
func (t Target) fetch(ctx context.Context, method, link string, body io.Reader) (string,
	error) {
	req, err := http.NewRequestWithContext(ctx, method, link, body)
	if err != nil {
		return "", err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := t.HTTP.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s %s: status %d", method, req.URL.Path, resp.StatusCode)
	}
	return string(b), err
}

// getJSON reads path's JSON answer into v.
func (t Target) getJSON(ctx context.Context, path string, v any) error {
	body, err := t.fetch(ctx, http.MethodGet, t.URL+path, nil)
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(body), v)
}
