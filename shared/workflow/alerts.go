package workflow

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/playbook"
	"github.com/firebreak/firebreak/shared/store"
)

// maxSightings bounds the stored alerts read for one indicator.
const maxSightings = 25

// sources returns the data sources an investigation asks: the configured
// ones, then the stored alerts of every other investigation.
func (s *Steps) sources(invID string) []datasource.DataSource {
	return append(append([]datasource.DataSource{}, s.Sources...),
		storedAlerts{s.Store, invID})
}

// storedAlerts is a data source over the alerts Firebreak stored, those of
// the investigation asking excepted: what other tools said of the same
// indicator, and where they saw it.
type storedAlerts struct {
	store *store.Store
	invID string
}

func (a storedAlerts) Name() string { return "stored alerts" }

// Describe gives evidence from other alerts that named the entity: a
// suspicion when one detected a threat, a note otherwise.
func (a storedAlerts) Describe(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	seen, err := a.others(ctx, e)
	var f datasource.Finding
	for _, s := range seen {
		ev := investigation.Evidence{Verdict: investigation.VerdictUnknown,
			Source: "alert " + s.AlertID, Text: sightingText(s)}
		if len(s.ThreatNames) > 0 {
			ev.Verdict = investigation.VerdictSuspicious
		}
		f.Evidence = append(f.Evidence, ev)
	}
	return f, err
}

// Hunt returns the hosts other alerts saw the entity on.
func (a storedAlerts) Hunt(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	seen, err := a.others(ctx, e)
	var f datasource.Finding
	for _, s := range seen {
		h := alert.Key(alert.EntityHost, s.Entity.Attributes["host"])
		if h == "" || e.Type == alert.EntityHost {
			continue
		}
		f.Related = append(f.Related, datasource.Related{
			Entity: alert.Entity{Type: alert.EntityHost, Key: h},
			Kind:   "held_by",
			Evidence: []investigation.Evidence{{Verdict: investigation.VerdictUnknown,
				Source: "alert " + s.AlertID, Text: "seen with " + e.Ref() + ": " +
					sightingText(s)}},
		})
	}
	return f, err
}

func (storedAlerts) Origin(context.Context, alert.Entity) (datasource.Finding, error) {
	return datasource.Finding{}, nil
}

func (storedAlerts) Affected(context.Context, alert.Entity) (datasource.Finding, error) {
	return datasource.Finding{}, nil
}

// others reads the sightings of e outside the asking investigation.
func (a storedAlerts) others(ctx context.Context, e alert.Entity) ([]store.Sighting, error) {
	seen, err := a.store.Sightings(ctx, e.Ref(), maxSightings)
	if err != nil {
		return nil, err
	}
	out := seen[:0]
	for _, s := range seen {
		if s.InvestigationID != a.invID {
			out = append(out, s)
		}
	}
	return out, nil
}

func sightingText(s store.Sighting) string {
	where := "not investigated"
	if s.InvestigationID != "" {
		where = "investigation " + s.InvestigationID
	}
	text := fmt.Sprintf("%s alert %q of %s (%s)", s.Format, s.Title,
		s.Time.Format("2006-01-02 15:04 MST"), where)
	if len(s.ThreatNames) > 0 {
		text += " detected " + strings.Join(s.ThreatNames, ", ")
	}
	return text
}

// alertEvidence returns what the alerts naming e say of it, by the
// playbook: a detected threat condemns the types the playbook lists, a
// source's own verdict on the entity counts, and an alert of the playbook
// casts suspicion on the types it suspects.
func alertEvidence(pb playbook.Playbook, e investigation.Entity, alerts []alert.Alert,
	step playbook.Step) []investigation.Evidence {
	var out []investigation.Evidence
	add := func(a alert.Alert, v investigation.Verdict, format string, args ...any) {
		out = append(out, investigation.Evidence{Verdict: v, Step: string(step),
			Source: a.Format + " alert " + a.ID, Text: fmt.Sprintf(format, args...)})
	}
	for _, a := range alerts {
		named, ok := entityIn(a, e.Ref())
		if !ok {
			continue
		}
		if len(a.ThreatNames) > 0 && slices.Contains(pb.Condemns, e.Type) {
			add(a, investigation.VerdictMalicious, "%s alert %q detected %s%s", a.Format,
				a.Title, strings.Join(a.ThreatNames, ", "), at(named))
		}
		if v := sourceVerdict(named); v != "" {
			add(a, v, "%s alert %q rates it %s", a.Format, a.Title,
				named.Attributes["verdict"]+named.Attributes["classification"])
		}
		if f, ok := condemnedFileOn(pb, a, e); ok {
			add(a, investigation.VerdictSuspicious, "%s alert %q detected %s in %s on it",
				a.Format, a.Title, strings.Join(a.ThreatNames, ", "), f.Key)
		}
		if slices.Contains(pb.Suspects, e.Type) {
			add(a, investigation.VerdictSuspicious, "%s alert %q (severity %s) names it",
				a.Format, a.Title, a.SeverityID)
		}
	}
	return out
}

// condemnedFileOn returns a file alert a condemns by the playbook and saw
// on host e: the file's host attribute names e, or e is the one host the
// alert names.
func condemnedFileOn(pb playbook.Playbook, a alert.Alert, e investigation.Entity) (
	alert.Entity, bool) {
	if e.Type != alert.EntityHost || len(a.ThreatNames) == 0 ||
		!slices.Contains(pb.Condemns, alert.EntityFile) {
		return alert.Entity{}, false
	}
	hosts := 0
	for _, x := range a.Entities {
		hosts += btoi(x.Type == alert.EntityHost)
	}
	for _, x := range a.Entities {
		if x.Type == alert.EntityFile && (x.Attributes["host"] == e.Key ||
			x.Attributes["host"] == "" && hosts == 1) {
			return x, true
		}
	}
	return alert.Entity{}, false
}

// sourceVerdict maps the verdict a source gave an entity to Firebreak's:
// Microsoft's evidence verdict, Proofpoint's threat classification.
func sourceVerdict(e alert.Entity) investigation.Verdict {
	switch strings.ToLower(e.Attributes["verdict"] + e.Attributes["classification"]) {
	case "malicious", "phish", "malware", "impostor":
		return investigation.VerdictMalicious
	case "suspicious":
		return investigation.VerdictSuspicious
	}
	return ""
}

// entityIn returns the entity ref as alert a names it.
func entityIn(a alert.Alert, ref string) (alert.Entity, bool) {
	for _, x := range a.Entities {
		if x.Ref() == ref {
			return x, true
		}
	}
	return alert.Entity{}, false
}

// at says where an alert saw a file, when it gave a path.
func at(e alert.Entity) string {
	if p := e.Attributes["path"]; p != "" {
		return " at " + strings.ReplaceAll(p, "\n", ", ")
	}
	return ""
}

// splitValues returns the values of a multi-valued attribute.
func splitValues(v string) []string {
	var out []string
	for _, s := range strings.Split(v, "\n") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
