// Package demo pushes the sample alerts in events/alerts through a running
// local host, as a security tool would, waits for the investigations they
// open to finish, and reports each: its playbook and status, its entities
// with their verdicts and evidence, and its actions.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/ingest"
)

// executionTimeout bounds the wait for one investigation to finish.
const executionTimeout = 2 * time.Minute

// Target is the host the demo runs against.
type Target struct {
	URL          string // base URL of the routes and the Step Functions endpoint
	ExecutionARN func(investigationID string) string
	Source       string
	Secret       ingest.Secret
	AlertsDir    string // events/alerts
	HTTP         *http.Client
	Now          func() time.Time
	PollInterval time.Duration
	Region       string
}

// Push is what became of one sample alert file.
type Push struct {
	File    string          `json:"file"`
	Status  int             `json:"status"`
	Results []ingest.Result `json:"results,omitempty"`
	Error   string          `json:"error,omitempty"`
}

// Report is the outcome of a demo run.
type Report struct {
	Pushes         []Push                      `json:"alerts"`
	Investigations []gateway.InvestigationView `json:"investigations"`
	// Executions maps an investigation id to its execution's final status.
	Executions map[string]string `json:"executions"`
}

// OK reports whether every alert was taken and every execution succeeded.
func (r Report) OK() bool {
	for _, p := range r.Pushes {
		if p.Status != http.StatusAccepted {
			return false
		}
	}
	for _, st := range r.Executions {
		if st != string(sfntypes.ExecutionStatusSucceeded) {
			return false
		}
	}
	return true
}

// Run pushes every sample alert, waits for the investigations and reads
// them back through the read API.
func Run(ctx context.Context, t Target) (Report, error) {
	// push the samples
	files, err := filepath.Glob(filepath.Join(t.AlertsDir, "*", "*.json"))
	if err != nil || len(files) == 0 {
		return Report{}, fmt.Errorf("no sample alerts in %s", t.AlertsDir)
	}
	sort.Strings(files)
	rep := Report{Executions: map[string]string{}}
	ids := []string{}
	for _, f := range files {
		p, err := t.push(ctx, f)
		if err != nil {
			return Report{}, err
		}
		rep.Pushes = append(rep.Pushes, p)
		ids = appendNew(ids, p.Results)
	}

	// wait for each investigation, then read it
	states := sfn.New(sfn.Options{BaseEndpoint: aws.String(t.URL), Region: t.Region,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	for _, id := range ids {
		status, err := t.wait(ctx, states, id)
		if err != nil {
			return Report{}, err
		}
		rep.Executions[id] = status
		view, err := t.investigation(ctx, id)
		if err != nil {
			return Report{}, err
		}
		rep.Investigations = append(rep.Investigations, view)
	}
	return rep, nil
}

// push signs one file's payload and posts it to /alerts.
func (t Target) push(ctx context.Context, file string) (Push, error) {
	body, err := os.ReadFile(file)
	if err != nil {
		return Push{}, fmt.Errorf("read sample: %w", err)
	}
	ts := strconv.FormatInt(t.Now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL+"/alerts",
		bytes.NewReader(body))
	if err != nil {
		return Push{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(ingest.HeaderSource, t.Source)
	req.Header.Set(ingest.HeaderTimestamp, ts)
	req.Header.Set(ingest.HeaderSignature, ingest.Sign(t.Secret, ts, body))

	resp, err := t.HTTP.Do(req)
	if err != nil {
		return Push{}, fmt.Errorf("post %s: %w", file, err)
	}
	defer resp.Body.Close()
	p := Push{File: filepath.Base(filepath.Dir(file)) + "/" + filepath.Base(file),
		Status: resp.StatusCode}
	var reply struct {
		Results []ingest.Result `json:"results"`
		Error   string          `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&reply); err != nil {
		return Push{}, fmt.Errorf("post %s: answer is not JSON: %w", file, err)
	}
	p.Results, p.Error = reply.Results, reply.Error
	return p, nil
}

// wait polls investigation id's execution until it stops running.
func (t Target) wait(ctx context.Context, states *sfn.Client, id string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, executionTimeout)
	defer cancel()
	for {
		out, err := states.DescribeExecution(ctx, &sfn.DescribeExecutionInput{
			ExecutionArn: aws.String(t.ExecutionARN(id))})
		if err != nil {
			return "", fmt.Errorf("describe execution of %s: %w", id, err)
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			return string(out.Status), nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("investigation %s still running after %s", id, executionTimeout)
		case <-time.After(t.PollInterval):
		}
	}
}

// investigation reads one investigation through GET /api/investigations/{id}.
func (t Target) investigation(ctx context.Context, id string) (gateway.InvestigationView, error) {
	var v gateway.InvestigationView
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL+"/api/investigations/"+id, nil)
	if err != nil {
		return v, err
	}
	resp, err := t.HTTP.Do(req)
	if err != nil {
		return v, fmt.Errorf("read investigation %s: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return v, fmt.Errorf("read investigation %s: status %d", id, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return v, fmt.Errorf("read investigation %s: %w", id, err)
	}
	return v, nil
}

// appendNew adds the investigation ids of results not yet in ids.
func appendNew(ids []string, results []ingest.Result) []string {
	for _, r := range results {
		if r.InvestigationID == "" {
			continue
		}
		seen := false
		for _, id := range ids {
			seen = seen || id == r.InvestigationID
		}
		if !seen {
			ids = append(ids, r.InvestigationID)
		}
	}
	return ids
}
