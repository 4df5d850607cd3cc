package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/playbook"
	"github.com/firebreak/firebreak/shared/store"
)

// ManualRequest asks for an investigation by hand: of a stored alert
// (AlertID), or of one entity (EntityType and EntityKey). Playbook and
// Automation, when given, override what policy would choose.
type ManualRequest struct {
	AlertID    string `json:"alert_id,omitempty"`
	EntityType string `json:"entity_type,omitempty"`
	EntityKey  string `json:"entity_key,omitempty"`
	Playbook   string `json:"playbook,omitempty"`
	Automation string `json:"automation,omitempty"`
	// StartedBy is the analyst, from the authenticated request.
	StartedBy string `json:"-"`
}

// ManualReply names the investigation a manual start opened.
type ManualReply struct {
	InvestigationID string              `json:"investigation_id"`
	Playbook        string              `json:"playbook"`
	Automation      investigation.Level `json:"automation"`
}

// manualSeverity is the severity policy sees for an investigation of an
// entity that no alert names: an analyst thought it worth a look.
const manualSeverity = alert.SeverityMedium

// StartManual opens and starts the investigation req asks for. The
// playbook and automation level are the request's or, where it names
// none, those policy chooses for the alert (for an entity, for an alert of
// format "manual" naming only it); an alert policy would only store gets
// the general playbook at level semi, so a person approves each action.
// Every error is a *Rejection: 400 for a malformed request, 404 for an
// unknown alert, 409 when an open investigation already covers it.
func (s *Service) StartManual(ctx context.Context, req ManualRequest) (out ManualReply,
	err error) {
	start := s.Now()
	defer func() { s.logManual(ctx, req, out, err, s.Now().Sub(start)) }()

	// what to investigate, and how
	m, subject, err := s.manualSubject(ctx, req)
	if err != nil {
		return ManualReply{}, err
	}
	if err := s.chooseHow(&m, subject, req); err != nil {
		return ManualReply{}, err
	}

	// open it and start its execution
	inv, err := s.Store.StartManual(ctx, m)
	var claimed *store.ClaimedError
	if errors.As(err, &claimed) {
		return ManualReply{}, &Rejection{Status: http.StatusConflict, Reason: claimed.Error() +
			"; follow that investigation", Err: err}
	}
	if err != nil {
		return ManualReply{}, storeRejection(err)
	}
	if err := s.start(ctx, inv.ID); err != nil {
		return ManualReply{}, err
	}
	return ManualReply{InvestigationID: inv.ID, Playbook: inv.Playbook,
		Automation: inv.Automation}, nil
}

// manualSubject reads the alert, or checks the entity, a request names,
// and returns the start without its playbook yet, and the alert policy
// judges it by.
func (s *Service) manualSubject(ctx context.Context, req ManualRequest) (store.ManualStart,
	alert.Alert, error) {
	m := store.ManualStart{Window: s.Window, StartedBy: req.StartedBy}
	switch {
	case req.AlertID != "" && req.EntityType != "":
		return m, alert.Alert{}, badManual("give alert_id or entity_type and entity_key, not both")
	case req.AlertID != "":
		a, _, err := s.Store.StoredAlert(ctx, req.AlertID)
		if errors.Is(err, store.ErrNotFound) {
			return m, a, &Rejection{Status: http.StatusNotFound,
				Reason: fmt.Sprintf("no stored alert %q", cut(req.AlertID))}
		}
		if err != nil {
			return m, a, storeRejection(err)
		}
		m.Alerts, m.Indicators = []alert.Alert{a}, investigation.Indicators(a)
		return m, a, nil
	case req.EntityType != "":
		e, err := manualEntity(req.EntityType, req.EntityKey)
		if err != nil {
			return m, alert.Alert{}, err
		}
		m.Entity = &e
		subject := alert.Alert{Format: "manual", Title: "Manual investigation of " + e.Ref(),
			SeverityID: manualSeverity, Time: s.Now().UTC(), Entities: []alert.Entity{e}}
		m.Indicators = investigation.Indicators(subject)
		return m, subject, nil
	}
	return m, alert.Alert{}, badManual("alert_id, or entity_type and entity_key, is required")
}

// manualEntity checks an entity a request names and keys it canonically.
func manualEntity(typ, key string) (alert.Entity, error) {
	t := alert.EntityType(typ)
	if !t.Known() {
		return alert.Entity{}, badManual(fmt.Sprintf("entity_type %q is not an entity type",
			cut(typ)))
	}
	if len(key) > maxEntityKeyBytes {
		return alert.Entity{}, badManual(fmt.Sprintf("entity_key is %d bytes; at most %d",
			len(key), maxEntityKeyBytes))
	}
	k, reason := manualKey(t, key)
	if k == "" || reason != "" {
		return alert.Entity{}, badManual(fmt.Sprintf("entity_key %q is not a valid %s key%s",
			cut(key), t, reason))
	}
	return alert.Entity{Type: t, Key: k}, nil
}

// manualKey keys a value named by hand and says why it cannot be a key,
// or "": what a hidden or markup character makes of it, else what the
// manual start wants of a key of its type (stricter than an alert's).
func manualKey(t alert.EntityType, value string) (key, reason string) {
	k, problem := alert.ParseKey(t, value)
	switch {
	case k != "":
		return k, badKey(t, k)
	case strings.HasPrefix(problem, "it holds"):
		return "", ": " + problem
	}
	if reason = badKey(t, strings.TrimSpace(value)); reason == "" {
		reason = ": " + problem
	}
	return "", reason
}

// maxEntityKeyBytes bounds the key of an entity named by hand.
const maxEntityKeyBytes = 1024

// The shapes of an AWS access key id and of a host name of two labels or
// more.
var (
	accessKeyID = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
	hostName    = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+` +
		`[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// badKey says why a canonical key k cannot name an entity of type t, or
// "". Keys are printable text without spaces; URLs are absolute http(s),
// domains host names, mailboxes addresses, access keys AWS key ids.
func badKey(t alert.EntityType, k string) string {
	if !utf8.ValidString(k) || strings.IndexFunc(k, func(r rune) bool {
		return !unicode.IsPrint(r) || unicode.IsSpace(r) || r == utf8.RuneError
	}) >= 0 {
		return ": it holds spaces, control or invisible characters, or bytes that are " +
			"not UTF-8"
	}
	if t != alert.EntityURL && strings.ContainsAny(k, "<>\"'`") {
		return ": it holds markup characters (< > \" ' `)"
	}
	switch t {
	case alert.EntityURL:
		u, err := url.Parse(k)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return ": want an absolute http or https URL"
		}
	case alert.EntityDomain:
		if len(k) > 253 || !hostName.MatchString(k) {
			return ": want a host name such as example.com (an IDN as punycode)"
		}
	case alert.EntityMailbox:
		if a, err := mail.ParseAddress(k); err != nil || a.Address != k {
			return ": want an email address"
		}
	case alert.EntityAccessKey:
		if !accessKeyID.MatchString(k) {
			return ": want an access key id such as AKIAIOSFODNN7EXAMPLE"
		}
	}
	return ""
}

// cut shortens a value a request sent to quote it in a reason.
func cut(s string) string {
	const most = 64
	if len(s) <= most {
		return s
	}
	return strings.ToValidUTF8(s[:most], "") + "…"
}

// chooseHow sets the playbook and automation level of m: the request's,
// else policy's for subject.
func (s *Service) chooseHow(m *store.ManualStart, subject alert.Alert, req ManualRequest) error {
	d, err := s.Policy.Decide(subject)
	if err != nil {
		s.Log.Warn("policy", "manual", true, "error", err)
	}
	m.Playbook, m.Automation = d.Playbook, d.Automation
	if !d.Investigate {
		m.Playbook, m.Automation = playbook.General, investigation.LevelSemi
	}
	if req.Playbook != "" {
		if _, ok := playbook.Get(req.Playbook); !ok {
			return badManual(fmt.Sprintf("playbook %q is not one of %v", cut(req.Playbook),
				playbook.Names()))
		}
		m.Playbook = req.Playbook
	}
	if req.Automation != "" {
		lvl := investigation.Level(req.Automation)
		switch lvl {
		case investigation.LevelFull, investigation.LevelSemi, investigation.LevelSemiCritical:
		default:
			return badManual(fmt.Sprintf("automation %q is not full, semi or semi-critical",
				cut(req.Automation)))
		}
		m.Automation = lvl
	}
	if m.Playbook == "" {
		m.Playbook = playbook.General
	}
	return nil
}

func badManual(reason string) error {
	return &Rejection{Status: http.StatusBadRequest, Reason: reason}
}

// logManual writes a manual start's one log line.
func (s *Service) logManual(ctx context.Context, req ManualRequest, out ManualReply,
	err error, took time.Duration) {
	attrs := []any{slog.String("started_by", req.StartedBy),
		slog.String("investigation_id", out.InvestigationID),
		slog.String("playbook", out.Playbook), slog.Duration("duration", took)}
	if err != nil {
		s.Log.WarnContext(ctx, "manual start", append(attrs, slog.Any("error", err))...)
		return
	}
	s.Log.InfoContext(ctx, "manual start", attrs...)
}
