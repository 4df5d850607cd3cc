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
	"github.com/firebreak/firebreak/shared/investigation"
)

func TestDemoInvestigatesEverySampleAndQuarantinesTheMalware(t *testing.T) {
	root, _ := filepath.Abs("../../..")
	h, err := host.Start(context.Background(), host.Options{Root: root,
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("start host: %v", err)
	}
	defer h.Close()

	rep, err := demo.Run(context.Background(), demo.Target{
		URL: h.URL, ExecutionARN: h.ExecutionARN, Region: host.Region,
		Source: host.DemoSource, Secret: host.DemoSecret,
		AlertsDir: filepath.Join(root, "events", "alerts"), HTTP: http.DefaultClient,
		Now: time.Now, PollInterval: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !rep.OK() {
		t.Errorf("report not OK: pushes %+v, executions %v", rep.Pushes, rep.Executions)
	}

	// the malware finding's investigation quarantined its file
	var malware bool
	for _, v := range rep.Investigations {
		if v.Playbook != "malware" {
			continue
		}
		malware = true
		if v.Status != investigation.StatusRemediated || len(v.Actions) != 1 ||
			v.Actions[0].Status != investigation.ActionSucceeded {
			t.Errorf("malware investigation is %s with actions %+v, want remediated by one "+
				"succeeded quarantine", v.Status, v.Actions)
		}
	}
	if !malware {
		t.Fatalf("no investigation ran the malware playbook")
	}

	// the table names it, and the JSON carries the same investigations
	var table, js bytes.Buffer
	demo.PrintTable(&table, rep)
	if !strings.Contains(table.String(), "quarantine_file host:i-0a1b2c3d4e5f60718: succeeded") {
		t.Errorf("table does not show the quarantine:\n%s", table.String())
	}
	json.NewEncoder(&js).Encode(rep)
	var back demo.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil ||
		len(back.Investigations) != len(rep.Investigations) {
		t.Errorf("JSON report round trip: %v, %d investigations, want %d", err,
			len(back.Investigations), len(rep.Investigations))
	}
}
