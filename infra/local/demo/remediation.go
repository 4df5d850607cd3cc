package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/tenant"
)

// The file and host the remediation part watches: the EICAR file the
// malware scene quarantines on web-01.
const (
	watchedFile = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	watchedHost = "i-0a1b2c3d4e5f60718"
)

// Remediation is the demo's remediation part: the watched file on its
// host before the malware scene, after its remediation, and after an
// analyst undid the quarantine through the API.
type Remediation struct {
	InvestigationID string `json:"investigation_id"`
	Action          string `json:"action"`
	Result          string `json:"result"`
	Before          string `json:"before"`
	After           string `json:"after"`
	UndoStatus      int    `json:"undo_status"`
	UndoAnswer      string `json:"undo_answer"`
	AfterUndo       string `json:"after_undo"`
}

// ShowRemediation plays the malware scene on a fresh environment,
// watching the EICAR file on web-01 in the simulated tenant tn, then
// undoes its quarantine with POST
// /api/investigations/{id}/actions/{action}/undo.
func ShowRemediation(ctx context.Context, t Target, tn *tenant.Tenant) (Remediation, error) {
	states := sfn.New(sfn.Options{BaseEndpoint: aws.String(t.URL), Region: t.Region,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	var r Remediation
	var err error

	// the file before, then the malware scene
	if t.Reset != nil {
		if err := t.Reset(ctx); err != nil {
			return r, err
		}
	}
	if r.Before, err = fileState(ctx, tn); err != nil {
		return r, err
	}
	out, err := t.play(ctx, states, Scenes[0])
	if err != nil || len(out.Investigations) == 0 {
		return r, fmt.Errorf("malware scene: %v, %d investigations", err,
			len(out.Investigations))
	}
	v := out.Investigations[0]
	r.InvestigationID = v.ID
	if r.After, err = fileState(ctx, tn); err != nil {
		return r, err
	}

	// undo the quarantine on the watched host
	a, ok := quarantineOn(v)
	if !ok {
		return r, fmt.Errorf("investigation %s quarantined nothing on %s", v.ID, watchedHost)
	}
	r.Action, r.Result = a.ID+" "+string(a.Type)+" "+a.Target+" on "+a.Scope, a.Result
	if r.UndoStatus, r.UndoAnswer, err = t.undo(ctx, v.ID, a.ID); err != nil {
		return r, err
	}
	r.AfterUndo, err = fileState(ctx, tn)
	return r, err
}

// quarantineOn returns the succeeded quarantine of the watched file on
// the watched host.
func quarantineOn(v gateway.InvestigationView) (gateway.ActionView, bool) {
	for _, a := range v.Actions {
		if a.Type == investigation.ActionQuarantineFile && a.Scope == "host:"+watchedHost &&
			a.Status == investigation.ActionSucceeded {
			return a, true
		}
	}
	return gateway.ActionView{}, false
}

// undo posts an undo of action actID and returns the answer's status and
// its summary (or error).
func (t Target) undo(ctx context.Context, invID, actID string) (int, string, error) {
	url := t.URL + "/api/investigations/" + invID + "/actions/" + actID + "/undo"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url,
		strings.NewReader(`{"reason":"demo: the file was a test file"}`))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.HTTP.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("undo %s: %w", actID, err)
	}
	defer resp.Body.Close()
	var answer struct {
		Summary  string `json:"summary"`
		UndoneBy string `json:"undone_by"`
		Error    string `json:"error"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes))
	_ = json.Unmarshal(b, &answer)
	if answer.Error != "" {
		return resp.StatusCode, answer.Error, nil
	}
	return resp.StatusCode, answer.UndoneBy + ": " + answer.Summary, nil
}

// fileState says where the watched file's copies on the watched host are.
func fileState(ctx context.Context, tn *tenant.Tenant) (string, error) {
	on, err := tn.FilesOnHost(ctx, watchedHost, watchedFile)
	if err != nil {
		return "", err
	}
	away, err := tn.Quarantined(ctx, watchedHost, watchedFile)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("on disk [%s], quarantined [%s]", paths(on), paths(away)), nil
}

func paths(files []tenant.File) string {
	ps := make([]string, 0, len(files))
	for _, f := range files {
		ps = append(ps, f.Path)
	}
	return strings.Join(ps, " ")
}

// PrintRemediation writes the remediation part for a reader.
func PrintRemediation(w io.Writer, r Remediation) {
	heading(w, "Remediation changes the simulated tenant, and an analyst undoes it")
	fmt.Fprintf(w, "EICAR file %.12s… on host %s\n", watchedFile, watchedHost)
	fmt.Fprintf(w, "  before the investigation:  %s\n", r.Before)
	fmt.Fprintf(w, "  after remediation:         %s\n", r.After)
	fmt.Fprintf(w, "    by action %s\n", r.Action)
	fmt.Fprintf(w, "    which said: %s\n", r.Result)
	fmt.Fprintf(w, "  POST /api/investigations/%s/actions/…/undo → %d %s\n", r.InvestigationID,
		r.UndoStatus, r.UndoAnswer)
	fmt.Fprintf(w, "  after the undo:            %s\n", r.AfterUndo)
}
