package tenant_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
	"github.com/firebreak/firebreak/shared/tenant"
	"github.com/google/go-cmp/cmp"
)

// observation reads one aspect of the tenant as a short string, through
// its own read methods and its answers as a data source.
type observation func(t *testing.T, tn *tenant.Tenant) string

// act returns an action of type typ on target, narrowed to scope.
func act(typ investigation.ActionType, target, scope string) investigation.Action {
	return investigation.Action{ID: "act-" + string(typ), Type: typ, Target: target,
		Scope: scope}
}

func TestRemediateChangesTheTenantOnceAndUndoPutsItBack(t *testing.T) {
	tests := []struct {
		name          string
		action        investigation.Action
		see           observation
		before, after string
		did, undid    string // what the first run and the first undo say
	}{
		{"quarantine_file",
			act(investigation.ActionQuarantineFile, "file:"+eicar, "host:"+web01),
			copiesOn(web01, eicar),
			"on disk [/home/ec2-user/downloads/eicar_copy.txt /tmp/eicar.com], elsewhere []",
			"on disk [], elsewhere [/home/ec2-user/downloads/eicar_copy.txt /tmp/eicar.com]",
			"quarantined /", "restored /"},
		{"delete_file",
			act(investigation.ActionDeleteFile, "file:"+eicar, "host:"+web01),
			copiesOn(web01, eicar),
			"on disk [/home/ec2-user/downloads/eicar_copy.txt /tmp/eicar.com], elsewhere []",
			"on disk [], elsewhere []",
			"deleted /home/ec2-user/downloads/eicar_copy.txt, /tmp/eicar.com on " + web01, ""},
		{"isolate_host", act(investigation.ActionIsolateHost, "host:"+web01, ""),
			hostState(web01),
			"isolated= says isolated=false, 3 running",
			"isolated=true says isolated=true, 3 running",
			"isolated web-01 (" + web01 + ") from the network", "released web-01"},
		{"kill_process", act(investigation.ActionKillProcess, "process:"+curl, ""),
			processState(curl, web01),
			"killed= says killed=false, running on its host=true",
			"killed=true says killed=true, running on its host=false",
			"killed process curl (" + curl + ") on " + web01, ""},
		{"reset_password", act(investigation.ActionResetPassword, "user:"+alex, ""),
			userState(alex),
			"mfa=false enabled=true, password reset=false, sessions revoked=false",
			"mfa=false enabled=true, password reset=true, sessions revoked=true",
			"reset the password of Alex Doe (" + alex + ") and revoked their sessions", ""},
		{"revoke_sessions",
			act(investigation.ActionRevokeSessions, "user:Sam.Lee@example.com", ""),
			userState("sam.lee@example.com"),
			"mfa=true enabled=true, password reset=false, sessions revoked=false",
			"mfa=true enabled=true, password reset=false, sessions revoked=true",
			"revoked the sessions of Sam Lee", ""},
		{"require_mfa", act(investigation.ActionRequireMFA, "user:"+alex, ""),
			userState(alex),
			"mfa=false enabled=true, password reset=false, sessions revoked=false",
			"mfa=true enabled=true, password reset=false, sessions revoked=false",
			"required MFA for Alex Doe", "MFA of Alex Doe (" + alex + ") back to off"},
		{"disable_user",
			act(investigation.ActionDisableUser, "user:jamie.roe@example.com", ""),
			userState("jamie.roe@example.com"),
			"mfa=true enabled=true, password reset=false, sessions revoked=false",
			"mfa=true enabled=false, password reset=false, sessions revoked=false",
			"disabled Jamie Roe", "enabled Jamie Roe"},
		{"disable_access_key",
			act(investigation.ActionDisableAccessKey, "access_key:"+reconKey, ""),
			keyState(reconKey),
			"status=Active says already inactive=false, owner lists Active",
			"status=Inactive says already inactive=true, owner lists Inactive",
			"deactivated access key " + reconKey + " of " + alexARN, "reactivated access key"},
		{"block_url", act(investigation.ActionBlockURL, "url:"+docsURL, ""),
			blockState(alert.EntityURL, docsURL),
			"blocked= says blocked by remediation=false, blocklist []",
			"blocked=true says blocked by remediation=true, blocklist [url:" + docsURL + "]",
			"blocked url " + docsURL + " tenant-wide", "unblocked url " + docsURL},
		{"block_domain",
			act(investigation.ActionBlockDomain, "domain:Login-Verify.malicious.example.", ""),
			blockState(alert.EntityURL, loginURL),
			"blocked= says blocked by remediation=false, blocklist []",
			"blocked=true says blocked by remediation=true, " +
				"blocklist [domain:login-verify.malicious.example]",
			"blocked domain login-verify.malicious.example", "unblocked domain"},
		{"block_ip", act(investigation.ActionBlockIP, "ip:"+reconIP, ""),
			blockState(alert.EntityIP, reconIP),
			"blocked= says blocked by remediation=false, blocklist []",
			"blocked=true says blocked by remediation=true, blocklist [ip:" + reconIP + "]",
			"blocked ip " + reconIP, "unblocked ip " + reconIP},
		{"delete_email",
			act(investigation.ActionDeleteEmail, "email_message:"+docs, "mailbox:"+alex),
			messageState(docsURL, alex, docs),
			"deleted=false, hunt finds [@alex.doe@example.com @sam.lee@example.com]",
			"deleted=true, hunt finds [@sam.lee@example.com]",
			`deleted message "Shared document: Q1 invoice review" (` + docs + ") from " + alex,
			`restored message "Shared document: Q1 invoice review"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tn, ctx := seeded(t), context.Background()
			if got := tt.see(t, tn); got != tt.before {
				t.Fatalf("before: got %q, want %q", got, tt.before)
			}

			// run it, then again
			did, err := tn.Remediate(ctx, tt.action)
			if err != nil {
				t.Fatalf("Remediate: %v", err)
			}
			if !strings.Contains(did, tt.did) {
				t.Errorf("Remediate said %q, want it to say %q", did, tt.did)
			}
			if got := tt.see(t, tn); got != tt.after {
				t.Errorf("after Remediate: got %q, want %q", got, tt.after)
			}
			again, err := tn.Remediate(ctx, tt.action)
			if err != nil {
				t.Fatalf("second Remediate: %v", err)
			}
			wantNoop(t, "second Remediate", again, true)
			if got := tt.see(t, tn); got != tt.after {
				t.Errorf("after the second Remediate: got %q, want %q", got, tt.after)
			}

			// undo it, then again
			if !investigation.Actions[tt.action.Type].Reversible {
				return
			}
			undid, err := tn.Undo(ctx, tt.action)
			if err != nil {
				t.Fatalf("Undo: %v", err)
			}
			if !strings.Contains(undid, tt.undid) {
				t.Errorf("Undo said %q, want it to say %q", undid, tt.undid)
			}
			if got := tt.see(t, tn); got != tt.before {
				t.Errorf("after Undo: got %q, want %q as before", got, tt.before)
			}
			again, err = tn.Undo(ctx, tt.action)
			if err != nil {
				t.Fatalf("second Undo: %v", err)
			}
			wantNoop(t, "second Undo", again, false)
			if got := tt.see(t, tn); got != tt.before {
				t.Errorf("after the second Undo: got %q, want %q", got, tt.before)
			}
		})
	}
}

// wantNoop fails the test unless said is one sentence saying nothing
// changed, and, if already, that it was done already.
func wantNoop(t *testing.T, what, said string, already bool) {
	t.Helper()
	if !strings.HasSuffix(said, "; nothing changed") || strings.Contains(said, "\n") ||
		already && !strings.Contains(said, "already") {
		t.Errorf("%s said %q, want an \"already …; nothing changed\" sentence", what, said)
	}
}

// copiesOn sees the paths of the file's copies on the host's disk and in
// its quarantine, and checks that a hunt agrees with the disk.
func copiesOn(host, sha256 string) observation {
	return func(t *testing.T, tn *tenant.Tenant) string {
		ctx := context.Background()
		disk, err := tn.FilesOnHost(ctx, host, sha256)
		if err != nil {
			t.Fatal(err)
		}
		kept, err := tn.Quarantined(ctx, host, sha256)
		if err != nil {
			t.Fatal(err)
		}
		f, err := tn.Hunt(ctx, ent(alert.EntityFile, sha256))
		if err != nil {
			t.Fatal(err)
		}
		if _, found := find(f, "held_by", "host:"+host); found != (len(disk) > 0) {
			t.Errorf("hunt finds the file on %s: %v, with %d copies on disk", host, found,
				len(disk))
		}
		return fmt.Sprintf("on disk %v, elsewhere %v", paths(disk), paths(kept))
	}
}

func paths(files []tenant.File) []string {
	s := []string{}
	for _, f := range files {
		s = append(s, f.Path)
	}
	slices.Sort(s)
	return s
}

// hostState sees whether a host is isolated and how many processes run.
func hostState(id string) observation {
	return func(t *testing.T, tn *tenant.Tenant) string {
		f := ask(t, tn, describe, ent(alert.EntityHost, id))
		h, _, err := tn.Host(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("isolated=%s says isolated=%v, %d running", f.Attributes["isolated"],
			says(t, f.Evidence, "isolated by remediation"), len(h.Processes))
	}
}

// processState sees whether a process is killed and still runs on host.
func processState(id, host string) observation {
	return func(t *testing.T, tn *tenant.Tenant) string {
		f := ask(t, tn, describe, ent(alert.EntityProcess, id))
		h, _, err := tn.Host(context.Background(), host)
		if err != nil {
			t.Fatal(err)
		}
		running := slices.ContainsFunc(h.Processes, func(p tenant.Process) bool {
			return p.ID == id
		})
		return fmt.Sprintf("killed=%s says killed=%v, running on its host=%v",
			f.Attributes["killed"], says(t, f.Evidence, "killed by remediation"), running)
	}
}

// userState sees a user's MFA, whether it is enabled, and whether its
// password was reset and its sessions revoked, as User and Describe tell.
func userState(id string) observation {
	return func(t *testing.T, tn *tenant.Tenant) string {
		u, _, err := tn.User(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		f := ask(t, tn, describe, ent(alert.EntityUser, id))
		reset, revoked := !u.PasswordResetAt.IsZero(), !u.SessionsRevokedAt.IsZero()
		if says(t, f.Evidence, "password reset by remediation") != reset ||
			says(t, f.Evidence, "sessions revoked by remediation") != revoked {
			t.Errorf("Describe says %q, User has reset %v, revoked %v",
				texts(t, f.Evidence), reset, revoked)
		}
		return fmt.Sprintf("mfa=%s enabled=%s, password reset=%v, sessions revoked=%v",
			f.Attributes["mfa"], f.Attributes["enabled"], reset, revoked)
	}
}

// keyState sees an access key's status, as Describe and its owner tell.
func keyState(id string) observation {
	return func(t *testing.T, tn *tenant.Tenant) string {
		f := ask(t, tn, describe, ent(alert.EntityAccessKey, id))
		k, _, err := tn.AccessKey(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		owner := ask(t, tn, affected, ent(alert.EntityUser, k.Principal))
		r, _ := find(owner, "owns", "access_key:"+id)
		return fmt.Sprintf("status=%s says already inactive=%v, owner lists %s",
			f.Attributes["status"], says(t, f.Evidence, "already inactive"),
			r.Entity.Attributes["status"])
	}
}

// blockState sees whether an indicator is blocked, as Describe says, and
// the blocklist.
func blockState(typ alert.EntityType, key string) observation {
	return func(t *testing.T, tn *tenant.Tenant) string {
		f := ask(t, tn, describe, ent(typ, key))
		blocks, err := tn.Blocklist(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		list := []string{}
		for _, b := range blocks {
			list = append(list, string(b.Type)+":"+b.Key)
		}
		return fmt.Sprintf("blocked=%s says blocked by remediation=%v, blocklist %v",
			f.Attributes["blocked"], says(t, f.Evidence, "blocked by remediation"), list)
	}
}

// messageState sees whether the message is deleted from mailbox, and
// which mailboxes' copies a hunt of url finds.
func messageState(url, mailbox, id string) observation {
	return func(t *testing.T, tn *tenant.Tenant) string {
		m, _, err := tn.Mailbox(context.Background(), mailbox)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(m.Messages, func(msg tenant.Message) bool { return msg.ID == id })
		if i < 0 {
			t.Fatalf("mailbox %s no longer holds %s", mailbox, id)
		}
		var copies []string
		for _, r := range ask(t, tn, hunt, ent(alert.EntityURL, url)).Related {
			copies = append(copies, "@"+r.Entity.Attributes["mailbox"])
		}
		slices.Sort(copies)
		return fmt.Sprintf("deleted=%v, hunt finds %v", m.Messages[i].Deleted, copies)
	}
}

// ask asks tn q about e, failing the test on an error.
func ask(t *testing.T, tn *tenant.Tenant, q question, e alert.Entity) datasource.Finding {
	t.Helper()
	f, err := q(tn, context.Background(), e)
	if err != nil {
		t.Fatalf("ask about %s: %v", e.Ref(), err)
	}
	return f
}

// says reports whether some evidence holds phrase.
func says(t *testing.T, ev []investigation.Evidence, phrase string) bool {
	return slices.ContainsFunc(texts(t, ev), func(s string) bool {
		return strings.Contains(s, phrase)
	})
}

func TestRemediateOfUnknownTargetsFailsNotFound(t *testing.T) {
	tests := []struct {
		action investigation.Action
		want   tenant.NotFoundError
	}{
		{act(investigation.ActionQuarantineFile, "file:"+eicar, "host:i-0ffffffffffffffff"),
			tenant.NotFoundError{Kind: alert.EntityHost, Key: "i-0ffffffffffffffff"}},
		{act(investigation.ActionDeleteFile, "file:"+eicar, "host:i-0c3d4e5f607182930"),
			tenant.NotFoundError{Kind: alert.EntityFile, Key: eicar,
				In: "host:i-0c3d4e5f607182930"}},
		{act(investigation.ActionIsolateHost, "host:i-0ffffffffffffffff", ""),
			tenant.NotFoundError{Kind: alert.EntityHost, Key: "i-0ffffffffffffffff"}},
		{act(investigation.ActionKillProcess, "process:"+web01+":1", ""),
			tenant.NotFoundError{Kind: alert.EntityProcess, Key: web01 + ":1"}},
		{act(investigation.ActionResetPassword, "user:Nobody@example.com", ""),
			tenant.NotFoundError{Kind: alert.EntityUser, Key: "nobody@example.com"}},
		{act(investigation.ActionRevokeSessions, "user:nobody@example.com", ""),
			tenant.NotFoundError{Kind: alert.EntityUser, Key: "nobody@example.com"}},
		{act(investigation.ActionRequireMFA, "user:nobody@example.com", ""),
			tenant.NotFoundError{Kind: alert.EntityUser, Key: "nobody@example.com"}},
		{act(investigation.ActionDisableUser, "user:nobody@example.com", ""),
			tenant.NotFoundError{Kind: alert.EntityUser, Key: "nobody@example.com"}},
		{act(investigation.ActionDisableAccessKey, "access_key:AKIANOSUCHKEY0000000", ""),
			tenant.NotFoundError{Kind: alert.EntityAccessKey, Key: "AKIANOSUCHKEY0000000"}},
		{act(investigation.ActionDeleteEmail, "email_message:"+payroll, "mailbox:"+alex),
			tenant.NotFoundError{Kind: alert.EntityEmailMessage, Key: payroll,
				In: "mailbox:" + alex}},
		{act(investigation.ActionDeleteEmail, "email_message:"+docs,
			"mailbox:nobody@example.com"),
			tenant.NotFoundError{Kind: alert.EntityMailbox, Key: "nobody@example.com"}},
	}
	tn := seeded(t)
	for _, tt := range tests {
		for name, run := range map[string]func(context.Context, investigation.Action) (
			string, error){"Remediate": tn.Remediate, "Undo": tn.Undo} {
			if name == "Undo" && !investigation.Actions[tt.action.Type].Reversible {
				continue
			}
			t.Run(name+" "+string(tt.action.Type), func(t *testing.T) {
				_, err := run(context.Background(), tt.action)
				var nf *tenant.NotFoundError
				if !errors.As(err, &nf) {
					t.Fatalf("got %v, want a *NotFoundError", err)
				}
				if diff := cmp.Diff(tt.want, *nf); diff != "" {
					t.Errorf("NotFoundError (-want +got):\n%s", diff)
				}
				if store.Transient(err) {
					t.Errorf("store.Transient(%v) = true, want a permanent error", err)
				}
			})
		}
	}
}

func TestNotFoundErrorSaysWhatIsMissing(t *testing.T) {
	tests := []struct {
		err  tenant.NotFoundError
		want string
	}{
		{tenant.NotFoundError{Kind: alert.EntityUser, Key: "nobody@example.com"},
			"the tenant has no user nobody@example.com"},
		{tenant.NotFoundError{Kind: alert.EntityEmailMessage, Key: "m1", In: "mailbox:a@b.c"},
			"the tenant has no email_message m1 in mailbox:a@b.c"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	file := &tenant.NotFoundError{Kind: alert.EntityFile, Key: eicar}
	if !errors.Is(file, tenant.ErrNoSuchFile) {
		t.Errorf("errors.Is(%v, ErrNoSuchFile) = false, want true", file)
	}
}

func TestRemediateRefusesMalformedActions(t *testing.T) {
	tests := []investigation.Action{
		act(investigation.ActionIsolateHost, "user:"+alex, ""),
		act(investigation.ActionBlockIP, "ip:not an address", ""),
		act(investigation.ActionBlockURL, "url:/relative/path", ""),
		act(investigation.ActionQuarantineFile, "file:"+eicar, ""),
		act(investigation.ActionDeleteEmail, "email_message:"+docs, "host:"+web01),
	}
	tn := seeded(t)
	for _, a := range tests {
		_, err := tn.Remediate(context.Background(), a)
		var nf *tenant.NotFoundError
		var unsupported *tenant.UnsupportedActionError
		if err == nil || errors.As(err, &nf) || errors.As(err, &unsupported) {
			t.Errorf("Remediate(%s %q on %q) = %v, want an error naming what it wants",
				a.Type, a.Target, a.Scope, err)
		}
	}
}

func TestEveryActionIsCarriedOutAndOnlyIrreversibleOnesRefuseUndo(t *testing.T) {
	tn := seeded(t)
	for typ, spec := range investigation.Actions {
		// an action with no target fails, but not for want of support
		a := investigation.Action{Type: typ}
		_, err := tn.Remediate(context.Background(), a)
		var unsupported *tenant.UnsupportedActionError
		if errors.As(err, &unsupported) {
			t.Errorf("Remediate(%s) = %v, want it supported", typ, err)
		}

		_, err = tn.Undo(context.Background(), a)
		var final *tenant.IrreversibleActionError
		if got := errors.As(err, &final); got == spec.Reversible {
			t.Errorf("Undo(%s) = %v: irreversible %v, want %v", typ, err, got, !spec.Reversible)
			continue
		}
		if !spec.Reversible && (final.Type != typ ||
			!strings.HasPrefix(err.Error(), string(typ)+" cannot be undone: ")) {
			t.Errorf("Undo(%s) = %v, want %q and why", typ, err, string(typ)+" cannot be undone")
		}
	}
}

func TestResetPasswordByAnotherActionResetsAgain(t *testing.T) {
	tn, ctx := seeded(t), context.Background()
	first := act(investigation.ActionResetPassword, "user:"+alex, "")
	if _, err := tn.Remediate(ctx, first); err != nil {
		t.Fatal(err)
	}
	u, _, err := tn.User(ctx, alex)
	if err != nil {
		t.Fatal(err)
	}
	later := first
	later.ID = "act-later"
	got, err := tn.Remediate(ctx, later)
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := tn.User(ctx, alex)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "nothing changed") ||
		again.PasswordResetAt.Before(u.PasswordResetAt) {
		t.Errorf("another reset said %q, reset at %v then %v; want a new reset", got,
			u.PasswordResetAt, again.PasswordResetAt)
	}
}

// changedBefore is a tenant in which the user was disabled, the key made
// inactive and the message deleted before remediation.
const changedBefore = `{
  "hosts": [],
  "users": [{"id": "gone@example.com", "mfa": true, "enabled": false}],
  "mailboxes": [{"address": "gone@example.com", "user": "gone@example.com", "messages": [
    {"id": "m1", "sender": "x@example.net", "received": "2025-03-09T09:20:00Z",
     "urls": ["https://x.example/a"], "deleted": true}]}],
  "principals": [{"arn": "arn:aws:iam::111122223333:user/p", "access_keys": [
    {"id": "K1", "status": "Inactive"}]}]
}`

func TestUndoLeavesWhatRemediationDidNotChange(t *testing.T) {
	tests := []struct {
		action investigation.Action
		see    observation
		want   string
	}{
		{act(investigation.ActionDisableUser, "user:gone@example.com", ""),
			userState("gone@example.com"),
			"mfa=true enabled=false, password reset=false, sessions revoked=false"},
		{act(investigation.ActionRequireMFA, "user:gone@example.com", ""),
			userState("gone@example.com"),
			"mfa=true enabled=false, password reset=false, sessions revoked=false"},
		{act(investigation.ActionDisableAccessKey, "access_key:K1", ""), keyState("K1"),
			"status=Inactive says already inactive=true, owner lists Inactive"},
		{act(investigation.ActionDeleteEmail, "email_message:m1", "mailbox:gone@example.com"),
			messageState("https://x.example/a", "gone@example.com", "m1"),
			"deleted=true, hunt finds []"},
	}
	tn, ctx := seedDoc(t, changedBefore), context.Background()
	for _, tt := range tests {
		t.Run(string(tt.action.Type), func(t *testing.T) {
			did, err := tn.Remediate(ctx, tt.action)
			if err != nil {
				t.Fatal(err)
			}
			wantNoop(t, "Remediate", did, true)
			undid, err := tn.Undo(ctx, tt.action)
			if err != nil {
				t.Fatal(err)
			}
			wantNoop(t, "Undo", undid, false)
			if got := tt.see(t, tn); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSeedAgainKeepsWhatRemediationChanged(t *testing.T) {
	tn, ctx := seeded(t), context.Background()
	actions := []investigation.Action{
		act(investigation.ActionDeleteFile, "file:"+eicar, "host:"+web01),
		act(investigation.ActionIsolateHost, "host:"+web01, ""),
		act(investigation.ActionKillProcess, "process:"+curl, ""),
		act(investigation.ActionDisableUser, "user:jamie.roe@example.com", ""),
		act(investigation.ActionDisableAccessKey, "access_key:"+reconKey, ""),
		act(investigation.ActionDeleteEmail, "email_message:"+docs, "mailbox:"+alex),
	}
	for _, a := range actions {
		if _, err := tn.Remediate(ctx, a); err != nil {
			t.Fatalf("Remediate(%s): %v", a.Type, err)
		}
	}
	f, err := os.Open("../../events/tenant/tenant.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	snap, err := tenant.ReadSnapshot(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := tn.Seed(ctx, snap); err != nil {
		t.Fatalf("Seed: %v", err)
	}

	got := []string{copiesOn(web01, eicar)(t, tn), hostState(web01)(t, tn),
		processState(curl, web01)(t, tn), userState("jamie.roe@example.com")(t, tn),
		keyState(reconKey)(t, tn), messageState(docsURL, alex, docs)(t, tn)}
	want := []string{
		"on disk [], elsewhere []",
		"isolated=true says isolated=true, 2 running",
		"killed=true says killed=true, running on its host=false",
		"mfa=true enabled=false, password reset=false, sessions revoked=false",
		"status=Inactive says already inactive=true, owner lists Inactive",
		"deleted=true, hunt finds [@sam.lee@example.com]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after seeding again (-want +got):\n%s", diff)
	}
}

func TestDeleteFileKeepsItsOriginAndEmptiesTheQuarantine(t *testing.T) {
	tn, ctx := seeded(t), context.Background()
	quarantine := act(investigation.ActionQuarantineFile, "file:"+eicar, "host:"+web01)
	if _, err := tn.Remediate(ctx, quarantine); err != nil {
		t.Fatal(err)
	}
	did, err := tn.Remediate(ctx,
		act(investigation.ActionDeleteFile, "file:"+eicar, "host:"+web01))
	if err != nil || !strings.HasPrefix(did, "deleted ") {
		t.Fatalf("delete_file after quarantine_file = %q, %v; want the quarantined copies "+
			"deleted", did, err)
	}
	if got := copiesOn(web01, eicar)(t, tn); got != "on disk [], elsewhere []" {
		t.Errorf("after delete_file got %q, want no copy left", got)
	}

	// nothing is left to restore
	_, err = tn.Undo(ctx, quarantine)
	var nf *tenant.NotFoundError
	if !errors.As(err, &nf) {
		t.Errorf("undo of the quarantine after delete_file = %v, want a *NotFoundError", err)
	}

	// where it came from is history
	download := "downloaded_from url:http://dl.malicious.example/eicar.com"
	if got := summary(ask(t, tn, origin, ent(alert.EntityFile, eicar))); !slices.Contains(got,
		download) {
		t.Errorf("Origin after delete_file = %q, want %q still", got, download)
	}
}

func TestBlockedDomainBlocksItsURLs(t *testing.T) {
	tn, ctx := seeded(t), context.Background()
	if _, err := tn.Remediate(ctx, act(investigation.ActionBlockDomain,
		"domain:docs-share.malicious.example", "")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		of      alert.Entity
		blocked bool
		want    []string
	}{
		{ent(alert.EntityURL, "HTTPS://Docs-Share.malicious.example/other"), true,
			[]string{"on domain docs-share.malicious.example, blocked by remediation"}},
		{ent(alert.EntityDomain, "docs-share.malicious.example"), true,
			[]string{"blocked by remediation"}},
		{ent(alert.EntityURL, loginURL), false, nil},
	}
	for _, tt := range tests {
		_, blocked, err := tn.Blocking(ctx, tt.of)
		if err != nil {
			t.Fatal(err)
		}
		if blocked != tt.blocked {
			t.Errorf("Blocking(%s) = %v, want %v", tt.of.Ref(), blocked, tt.blocked)
		}
		var got []string
		for _, s := range texts(t, ask(t, tn, describe, tt.of).Evidence) {
			got = append(got, strings.Split(strings.TrimPrefix(s, "unknown: "), " at ")[0])
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Describe(%s) (-want +got):\n%s", tt.of.Ref(), diff)
		}
	}
}

// throttled is a table that refuses every call for want of capacity.
type throttled struct{}

var errThrottled = &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}

func (throttled) GetItem(context.Context, *dynamodb.GetItemInput,
	...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return nil, errThrottled
}

func (throttled) PutItem(context.Context, *dynamodb.PutItemInput,
	...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return nil, errThrottled
}

func (throttled) UpdateItem(context.Context, *dynamodb.UpdateItemInput,
	...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return nil, errThrottled
}

func (throttled) DeleteItem(context.Context, *dynamodb.DeleteItemInput,
	...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return nil, errThrottled
}

func (throttled) Query(context.Context, *dynamodb.QueryInput,
	...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return nil, errThrottled
}

func (throttled) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput,
	...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return nil, errThrottled
}

func TestRemediateReportsThrottlingAsTransient(t *testing.T) {
	targets := map[alert.EntityType]string{
		alert.EntityFile: "file:" + eicar, alert.EntityHost: "host:" + web01,
		alert.EntityProcess: "process:" + curl, alert.EntityUser: "user:" + alex,
		alert.EntityAccessKey: "access_key:" + reconKey, alert.EntityURL: "url:" + docsURL,
		alert.EntityDomain: "domain:docs-share.malicious.example",
		alert.EntityIP:     "ip:" + reconIP, alert.EntityEmailMessage: "email_message:" + docs,
	}
	scopes := map[investigation.ActionType]string{
		investigation.ActionQuarantineFile: "host:" + web01,
		investigation.ActionDeleteFile:     "host:" + web01,
		investigation.ActionDeleteEmail:    "mailbox:" + alex,
	}
	tn := tenant.New(throttled{}, "t")
	for typ, spec := range investigation.Actions {
		a := act(typ, targets[spec.Target], scopes[typ])
		_, err := tn.Remediate(context.Background(), a)
		if !store.Transient(err) || !errors.Is(err, errThrottled) {
			t.Errorf("Remediate(%s) on a throttled table = %v, want the throttling, transient",
				typ, err)
		}
		if spec.Reversible {
			if _, err := tn.Undo(context.Background(), a); !store.Transient(err) {
				t.Errorf("Undo(%s) on a throttled table = %v, want it transient", typ, err)
			}
		}
	}
}
