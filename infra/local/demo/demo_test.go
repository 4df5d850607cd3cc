package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak/infra/local/demo"
	"github.com/firebreak/firebreak/infra/local/host"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/investigation"
)

// scenePlaybooks is the playbook each of demo.Scenes shows, in order.
var scenePlaybooks = []string{"malware", "phishing", "url_click", "compromised_user",
	"cloud_credential", "general"}

func TestDemoShowsEachPlaybookThenEverySample(t *testing.T) {
	root, _ := filepath.Abs("../../..")
	h, err := host.Start(context.Background(), host.Options{Root: root,
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("start host: %v", err)
	}
	defer h.Close()

	rep, err := demo.Run(context.Background(), demo.Target{
		URL: h.URL, ExecutionARN: h.ExecutionARN, StateMachineARN: h.StateMachineARN,
		Reset: h.Reset, Region: host.Region,
		Source: host.DemoSource, Secret: host.DemoSecret,
		AlertsDir: filepath.Join(root, "events", "alerts"), HTTP: http.DefaultClient,
		Now: time.Now, PollInterval: 20 * time.Millisecond,
	}, demo.Scenes)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !rep.OK() {
		t.Errorf("report not OK: %+v", rep)
	}

	// each scene, on its own environment, runs the one playbook it shows
	if len(rep.Scenes) != len(scenePlaybooks) {
		t.Fatalf("got %d scenes, want %d", len(rep.Scenes), len(scenePlaybooks))
	}
	for i, o := range rep.Scenes {
		if len(o.Investigations) != 1 || o.Investigations[0].Playbook != scenePlaybooks[i] {
			t.Errorf("scene %q opened %s, want one %s investigation", o.Title,
				playbooks(o.Investigations), scenePlaybooks[i])
		}
	}
	checkMalwareScene(t, rep.Scenes[0].Investigations[0])

	// the sweep posts every sample and covers several playbooks
	if n := len(rep.Alerts.Pushes); n != len(rep.Alerts.Files) || n < len(rep.Scenes) {
		t.Errorf("sweep posted %d of %d files", n, len(rep.Alerts.Files))
	}

	// the printed report shows each scene; the JSON keeps them all
	var text, js bytes.Buffer
	demo.Print(&text, rep)
	for _, o := range rep.Scenes {
		if !strings.Contains(text.String(), "Investigation "+o.Investigations[0].ID) {
			t.Errorf("printed report lacks scene %q's investigation", o.Title)
		}
	}
	json.NewEncoder(&js).Encode(rep)
	var back demo.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil ||
		len(back.Scenes) != len(rep.Scenes) ||
		len(back.Alerts.Investigations) != len(rep.Alerts.Investigations) {
		t.Errorf("JSON report round trip: %v, %d scenes and %d sweep investigations, "+
			"want %d and %d", err, len(back.Scenes), len(back.Alerts.Investigations),
			len(rep.Scenes), len(rep.Alerts.Investigations))
	}
}

// checkMalwareScene checks that the GuardDuty finding condemned the EICAR
// file, that the hunt found other hosts holding it, and that the file was
// quarantined on the instance the finding named.
func checkMalwareScene(t *testing.T, v gateway.InvestigationView) {
	t.Helper()
	var file *gateway.EntityView
	hunted := 0
	for i, e := range v.Entities {
		if e.Name == "eicar.com" {
			file = &v.Entities[i]
		}
		if e.Type == "host" && strings.HasPrefix(e.FoundBy, "hunt_other_instances") {
			hunted++
		}
	}
	if file == nil || file.Verdict != investigation.VerdictMalicious || len(file.Evidence) == 0 {
		t.Errorf("malware scene: eicar.com is %+v, want malicious with evidence", file)
	}
	if hunted == 0 {
		t.Errorf("malware scene: the hunt found no other host holding the file")
	}
	quarantined := false
	for _, a := range v.Actions {
		quarantined = quarantined || a.Type == investigation.ActionQuarantineFile &&
			a.Scope == "host:i-0a1b2c3d4e5f60718" && a.Status == investigation.ActionSucceeded
	}
	if !quarantined {
		t.Errorf("malware scene: actions %+v, want a succeeded quarantine_file on "+
			"host:i-0a1b2c3d4e5f60718", v.Actions)
	}
}

func playbooks(views []gateway.InvestigationView) []string {
	var names []string
	for _, v := range views {
		names = append(names, v.Playbook)
	}
	return names
}
