package tenant_test

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
	"github.com/firebreak/firebreak/shared/tenant"
	"github.com/google/go-cmp/cmp"
)

func TestMain(m *testing.M) { os.Exit(dynamodblocal.RunTests(m)) }

const eicar = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"

// seeded returns a tenant in a fresh table, seeded from events/tenant.
func seeded(t *testing.T) *tenant.Tenant {
	t.Helper()
	f, err := os.Open("../../events/tenant/tenant.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return seed(t, f)
}

// seedDoc returns a tenant in a fresh table, seeded from the JSON doc.
func seedDoc(t *testing.T, doc string) *tenant.Tenant {
	t.Helper()
	return seed(t, strings.NewReader(doc))
}

func seed(t *testing.T, r io.Reader) *tenant.Tenant {
	t.Helper()
	snap, err := tenant.ReadSnapshot(r)
	if err != nil {
		t.Fatalf("ReadSnapshot: %v", err)
	}
	db := dynamodblocal.NewClient(dynamodblocal.Endpoint(t))
	name := "tenant-" + strings.ToLower(store.NewID())
	if err := store.CreateTable(context.Background(), db, name); err != nil {
		t.Fatalf("CreateTable: %v", err)
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
	act := investigation.Action{Type: "reboot_host", Target: "host:" + web01}
	_, err := tn.Remediate(context.Background(), act)
	var unsupported *tenant.UnsupportedActionError
	if !errors.As(err, &unsupported) {
		t.Errorf("Remediate(reboot_host) = %v, want an *UnsupportedActionError", err)
	}
	_, err = tn.Undo(context.Background(), act)
	if !errors.As(err, &unsupported) {
		t.Errorf("Undo(reboot_host) = %v, want an *UnsupportedActionError", err)
	}
}

func TestQuarantineRemovesTheHostFromTheFileHunt(t *testing.T) {
	tn, ctx := seeded(t), context.Background()
	file := alert.Entity{Type: alert.EntityFile, Key: eicar}
	if _, err := tn.QuarantineFile(ctx, "i-0a1b2c3d4e5f60718", eicar); err != nil {
		t.Fatalf("QuarantineFile: %v", err)
	}
	f, err := tn.Hunt(ctx, file)
	if err != nil {
		t.Fatalf("Hunt: %v", err)
	}
	got := summary(f)
	want := []string{
		"held_by host:73e7e2de709dff64ef64b1d0c30e67fab63280ac",
		"held_by host:i-0b2c3d4e5f6071829",
		"held_by host:lnx-web-02.corp.example",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Hunt after quarantine on web-01 (-want +got):\n%s", diff)
	}

	// where the file came from is history: quarantine does not change it
	f, err = tn.Origin(ctx, file)
	if err != nil {
		t.Fatalf("Origin: %v", err)
	}
	download := "downloaded_from url:http://dl.malicious.example/eicar.com"
	if got := summary(f); !slices.Contains(got, download) {
		t.Errorf("Origin after quarantine = %q, want %q still", got, download)
	}
}

func TestSeedAgainLeavesQuarantinedFilesQuarantined(t *testing.T) {
	tn, ctx := seeded(t), context.Background()
	if _, err := tn.QuarantineFile(ctx, "i-0a1b2c3d4e5f60718", eicar); err != nil {
		t.Fatalf("QuarantineFile: %v", err)
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
	if err := tn.Seed(ctx, snap); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	left, err := tn.FilesOnHost(ctx, "i-0a1b2c3d4e5f60718", eicar)
	if err != nil || len(left) != 0 {
		t.Errorf("after seeding again web-01 holds %d copies (err %v), want 0", len(left), err)
	}
}
