package tenant_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
	"github.com/firebreak/firebreak/shared/tenant"
)

func TestMain(m *testing.M) { os.Exit(dynamodblocal.RunTests(m)) }

const eicar = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"

// seeded returns a tenant in a fresh table, seeded from events/tenant.
func seeded(t *testing.T) *tenant.Tenant {
	t.Helper()
	db := dynamodblocal.NewClient(dynamodblocal.Endpoint(t))
	name := "tenant-" + strings.ToLower(store.NewID())
	if err := store.CreateTable(context.Background(), db, name); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	f, err := os.Open("../../events/tenant/tenant.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	snap, err := tenant.ReadSnapshot(f)
	if err != nil {
		t.Fatalf("ReadSnapshot: %v", err)
	}
	tn := tenant.New(db, name)
	if err := tn.Seed(context.Background(), snap); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return tn
}

func TestQuarantineRemovesEveryCopyOnTheHostOnly(t *testing.T) {
	tn, ctx := seeded(t), context.Background()
	q, err := tn.QuarantineFile(ctx, "i-0a1b2c3d4e5f60718", eicar)
	if err != nil {
		t.Fatalf("QuarantineFile: %v", err)
	}
	if len(q.Paths) != 2 || q.AlreadyQuarantined {
		t.Errorf("QuarantineFile = %+v, want both copies moved", q)
	}
	h, ok, err := tn.Host(ctx, "i-0a1b2c3d4e5f60718")
	if err != nil || !ok {
		t.Fatalf("Host: %v, %v", ok, err)
	}
	for _, f := range h.Files {
		if f.SHA256 == eicar {
			t.Errorf("host still holds %s", f.Path)
		}
	}
	if len(h.Files) != 2 {
		t.Errorf("host holds %d files, want its 2 other files untouched", len(h.Files))
	}
	other, err := tn.FilesOnHost(ctx, "i-0b2c3d4e5f6071829", eicar)
	if err != nil || len(other) != 1 {
		t.Errorf("web-02 holds %d copies (err %v), want its copy untouched", len(other), err)
	}
}

func TestQuarantineTwiceChangesNothingTheSecondTime(t *testing.T) {
	tn, ctx := seeded(t), context.Background()
	act := investigation.Action{Type: investigation.ActionQuarantineFile,
		Target: "file:" + eicar, Scope: "host:i-0a1b2c3d4e5f60718"}
	first, err := tn.Remediate(ctx, act)
	if err != nil {
		t.Fatalf("first Remediate: %v", err)
	}
	second, err := tn.Remediate(ctx, act)
	if err != nil {
		t.Fatalf("second Remediate: %v", err)
	}
	if !strings.Contains(first, "quarantined /") || !strings.Contains(second, "already") {
		t.Errorf("results %q then %q, want a quarantine then an already-quarantined no-op",
			first, second)
	}
	moved, err := tn.Quarantined(ctx, "i-0a1b2c3d4e5f60718", eicar)
	if err != nil || len(moved) != 2 {
		t.Errorf("quarantine holds %d files (err %v), want 2", len(moved), err)
	}
}

func TestQuarantineOfAbsentFileFails(t *testing.T) {
	tn := seeded(t)
	_, err := tn.QuarantineFile(context.Background(), "i-0c3d4e5f607182930", eicar)
	if !errors.Is(err, tenant.ErrNoSuchFile) {
		t.Errorf("QuarantineFile on a host without the file: %v, want ErrNoSuchFile", err)
	}
}

func TestRemediateRefusesWhatTheTenantCannotDo(t *testing.T) {
	tn := seeded(t)
	_, err := tn.Remediate(context.Background(), investigation.Action{Type: "isolate_host"})
	var unsupported *tenant.UnsupportedActionError
	if !errors.As(err, &unsupported) {
		t.Errorf("Remediate(isolate_host) = %v, want an *UnsupportedActionError", err)
	}
}

func TestReadSnapshotRefusesBadTenants(t *testing.T) {
	tests := map[string]string{
		"unknown field":   `{"hosts":[],"printers":[]}`,
		"host without id": `{"hosts":[{"name":"x"}]}`,
		"short hash":      `{"hosts":[{"id":"h","files":[{"path":"/a","sha256":"abc"}]}]}`,
		"not JSON":        `{`,
	}
	for name, doc := range tests {
		if _, err := tenant.ReadSnapshot(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: ReadSnapshot succeeded, want an error", name)
		}
	}
}
