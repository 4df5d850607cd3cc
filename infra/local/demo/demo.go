// Package demo pushes the sample alerts in events/alerts through a running
// local host, as a security tool would, and reports what the
// investigations they open concluded.
//
// A demo run has two parts. First each playbook gets a scene of its own: on
// a fresh environment, the scene's sample alerts are posted and the
// investigations they open are read back once their executions end. Then
// every sample alert is posted into one environment, as a busy tenant
// would see them, where alerts that share a user or a host join one
// investigation.
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
	"slices"
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

// maxReplyBytes bounds how much of an answer to POST /alerts is read.
const maxReplyBytes = 1 << 20

// Target is the host the demo runs against.
type Target struct {
	URL          string // base URL of the routes and the Step Functions endpoint
	ExecutionARN func(investigationID string) string
	// StateMachineARN, when set, lets the demo find the executions a
	// scene's investigations start themselves (one hands the alerts that
	// joined it too late to a new investigation), wait for them and report
	// their investigations too. Empty waits only for those the alerts named.
	StateMachineARN string
	// Reset forgets everything the host holds and reseeds its tenant, so a
	// scene starts on a fresh environment. It is called only while no
	// execution runs. Nil skips the resets: scenes then see what earlier
	// ones left.
	Reset        func(context.Context) error
	Source       string
	Secret       ingest.Secret
	AlertsDir    string // events/alerts
	HTTP         *http.Client
	Now          func() time.Time
	PollInterval time.Duration
	Region       string
}

// Scene is a set of sample alerts posted together into a fresh
// environment. Files are relative to events/alerts, with forward slashes.
type Scene struct {
	Title string   `json:"title"`
	Files []string `json:"files"`
}

// Scenes show the playbooks one by one: each scene's alert opens an
// investigation that runs the playbook its title names.
var Scenes = []Scene{
	{"malware: GuardDuty finds the EICAR file on an EC2 instance",
		[]string{"guardduty/execution-ec2-maliciousfile-ebs-scan.json"}},
	{"phishing: a user reports a phishing message through Defender for Office 365",
		[]string{"msgraph/mdo-graph-alert-user-reported-phish-with-url.json"}},
	{"url_click: Proofpoint TAP lets a click on a phishing URL through",
		[]string{"proofpoint/proofpoint-tap-siem-clicks-permitted-phish-url.json"}},
	{"compromised_user: Entra ID Protection sees a sign-in with unfamiliar features",
		[]string{"entra/entra-graph-riskdetection-unfamiliarfeatures.json"}},
	{"cloud_credential: GuardDuty sees an IAM user called from a malicious IP",
		[]string{"guardduty/recon-iamuser-maliciousipcaller-custom.json"}},
	{"general: Prowler finds an IAM user without MFA",
		[]string{"ocsf/detection-finding-2004-prowler-iam-user-no-mfa.json"}},
}

// SweepTitle is the title of the last part of a run, which posts every
// sample alert.
const SweepTitle = "All sample alerts"

// Push is what became of one sample alert file.
type Push struct {
	File    string          `json:"file"`
	Status  int             `json:"status"`
	Results []ingest.Result `json:"results,omitempty"`
	Error   string          `json:"error,omitempty"`
}

// Outcome is what one scene did: what became of its alerts, the
// investigations they opened or joined, in the order first named, and
// each investigation's execution status, by investigation id.
type Outcome struct {
	Scene
	Pushes         []Push                      `json:"pushes"`
	Investigations []gateway.InvestigationView `json:"investigations"`
	Executions     map[string]string           `json:"executions"`
	// Approvals are the actions that waited for a person, with their
	// links, which the demo approved through them.
	Approvals []Approval `json:"approvals"`
}

// OK reports whether every alert of the scene was taken and every
// execution succeeded.
func (o Outcome) OK() bool {
	for _, p := range o.Pushes {
		if p.Status != http.StatusAccepted {
			return false
		}
	}
	for _, st := range o.Executions {
		if st != string(sfntypes.ExecutionStatusSucceeded) {
			return false
		}
	}
	return true
}

// Report is the outcome of a demo run: one per playbook scene, then the
// sweep of every sample alert.
type Report struct {
	Scenes []Outcome `json:"scenes"`
	Alerts Outcome   `json:"alerts"`
}

// OK reports whether every alert was taken and every execution succeeded,
// in the scenes and in the sweep.
func (r Report) OK() bool {
	for _, o := range r.Scenes {
		if !o.OK() {
			return false
		}
	}
	return r.Alerts.OK()
}

// Run plays scenes, then posts every sample alert in t.AlertsDir. An
// error means the run could not go on (a sample unreadable, the host
// unreachable, an execution that would not end); refused alerts and
// failed executions are in the report, for OK to judge.
func Run(ctx context.Context, t Target, scenes []Scene) (Report, error) {
	states := sfn.New(sfn.Options{BaseEndpoint: aws.String(t.URL), Region: t.Region,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})

	// each playbook on its own
	var rep Report
	for _, sc := range scenes {
		out, err := t.play(ctx, states, sc)
		if err != nil {
			return Report{}, fmt.Errorf("scene %q: %w", sc.Title, err)
		}
		rep.Scenes = append(rep.Scenes, out)
	}

	// then every sample alert at once
	files, err := sampleFiles(t.AlertsDir)
	if err != nil {
		return Report{}, err
	}
	rep.Alerts, err = t.play(ctx, states, Scene{Title: SweepTitle, Files: files})
	if err != nil {
		return Report{}, fmt.Errorf("all sample alerts: %w", err)
	}
	return rep, nil
}

// sampleFiles lists every sample alert under dir, relative to it.
func sampleFiles(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("no sample alerts in %s", dir)
	}
	files := make([]string, len(paths))
	for i, p := range paths {
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return nil, err
		}
		files[i] = filepath.ToSlash(rel)
	}
	sort.Strings(files)
	return files, nil
}

// play resets the host, posts the scene's alerts, waits for the
// investigations they name and for those these hand alerts to, and reads
// them back.
func (t Target) play(ctx context.Context, states *sfn.Client, sc Scene) (Outcome, error) {
	// a fresh environment, and what ran before it
	if t.Reset != nil {
		if err := t.Reset(ctx); err != nil {
			return Outcome{}, fmt.Errorf("reset the host: %w", err)
		}
	}
	before, err := t.executions(ctx, states)
	if err != nil {
		return Outcome{}, err
	}

	// post the alerts
	out := Outcome{Scene: sc, Pushes: []Push{},
		Investigations: []gateway.InvestigationView{}, Executions: map[string]string{},
		Approvals: []Approval{}}
	ids := []string{}
	for _, f := range sc.Files {
		p, err := t.push(ctx, f)
		if err != nil {
			return Outcome{}, err
		}
		out.Pushes = append(out.Pushes, p)
		ids = appendNew(ids, p.Results)
	}

	// wait for each investigation, then for those started meanwhile
	for pending := ids; len(pending) > 0; {
		for _, id := range pending {
			if out.Executions[id], err = t.settle(ctx, states, id, &out); err != nil {
				return Outcome{}, err
			}
		}
		if pending, err = t.started(ctx, states, before, out.Executions); err != nil {
			return Outcome{}, err
		}
		ids = append(ids, pending...)
	}

	// read each investigation back
	for _, id := range ids {
		view, err := t.investigation(ctx, id)
		if err != nil {
			return Outcome{}, err
		}
		out.Investigations = append(out.Investigations, view)
	}
	return out, nil
}

// executions lists the names of the state machine's executions, which are
// the ids of their investigations; without t.StateMachineARN it lists none.
func (t Target) executions(ctx context.Context, states *sfn.Client) (map[string]bool, error) {
	names := map[string]bool{}
	if t.StateMachineARN == "" {
		return names, nil
	}
	pages := sfn.NewListExecutionsPaginator(states, &sfn.ListExecutionsInput{
		StateMachineArn: aws.String(t.StateMachineARN)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list executions: %w", err)
		}
		for _, x := range page.Executions {
			names[aws.ToString(x.Name)] = true
		}
	}
	return names, nil
}

// started lists the investigations whose executions are neither in
// before nor waited for in done, in no particular order.
func (t Target) started(ctx context.Context, states *sfn.Client, before map[string]bool,
	done map[string]string) ([]string, error) {
	now, err := t.executions(ctx, states)
	if err != nil {
		return nil, err
	}
	var ids []string
	for id := range now {
		if _, waited := done[id]; !before[id] && !waited {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// push signs the payload of file, relative to t.AlertsDir, and posts it
// to /alerts.
func (t Target) push(ctx context.Context, file string) (Push, error) {
	body, err := os.ReadFile(filepath.Join(t.AlertsDir, filepath.FromSlash(file)))
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
	var reply struct {
		Results []ingest.Result `json:"results"`
		Error   string          `json:"error"`
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxReplyBytes))
	if err := dec.Decode(&reply); err != nil {
		return Push{}, fmt.Errorf("post %s: answer is not JSON: %w", file, err)
	}
	return Push{File: file, Status: resp.StatusCode, Results: reply.Results,
		Error: reply.Error}, nil
}

// investigation reads one investigation through GET /api/investigations/{id}.
func (t Target) investigation(ctx context.Context, id string) (gateway.InvestigationView, error) {
	var v gateway.InvestigationView
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		t.URL+"/api/investigations/"+id, nil)
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
		if r.InvestigationID != "" && !slices.Contains(ids, r.InvestigationID) {
			ids = append(ids, r.InvestigationID)
		}
	}
	return ids
}
