package workflow

import (
	"context"
	"fmt"
	"strings"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// InvestigateOutput counts the entities found malicious or suspicious.
type InvestigateOutput struct {
	Malicious  int `json:"malicious"`
	Suspicious int `json:"suspicious"`
}

// verdict is an entity's verdict with the evidence that decided it.
type verdict struct {
	ref      string
	verdict  investigation.Verdict
	evidence []investigation.Evidence
}

// Investigate gives every entity of the investigation a verdict with its
// evidence: a file an alert names as a detected threat is malicious; a
// host of the tenant holding a malicious file is suspicious; an entity no
// source says anything about stays unknown, and says so.
func (s *Steps) Investigate(ctx context.Context, in Input) (out InvestigateOutput, err error) {
	start := s.Now()
	defer func() {
		s.summarize(ctx, "investigate", in.InvestigationID, start, err,
			"malicious", out.Malicious, "suspicious", out.Suspicious)
	}()
	if err := in.check(); err != nil {
		return InvestigateOutput{}, err
	}

	// read what the alerts say and judge the files
	id := in.InvestigationID
	alerts, err := s.Store.Alerts(ctx, id)
	if err != nil {
		return InvestigateOutput{}, classify(err)
	}
	ents, err := s.Store.Entities(ctx, id)
	if err != nil {
		return InvestigateOutput{}, classify(err)
	}
	verdicts := judgeFiles(ents, alerts)

	// look the hosts up in the tenant
	hosts, err := s.judgeHosts(ctx, ents, verdicts)
	if err != nil {
		return InvestigateOutput{}, classify(err)
	}
	verdicts = append(verdicts, hosts...)
	verdicts = append(verdicts, unjudged(ents, verdicts)...)

	// record every verdict on its entity and in the timeline
	for _, v := range verdicts {
		if err := s.Store.SetVerdict(ctx, id, v.ref, v.verdict, v.evidence); err != nil {
			return InvestigateOutput{}, classify(err)
		}
		if err := s.record(ctx, id, "verdict", "investigate", "%s is %s: %s",
			v.ref, v.verdict, evidenceText(v.evidence)); err != nil {
			return InvestigateOutput{}, classify(err)
		}
		out.Malicious += btoi(v.verdict == investigation.VerdictMalicious)
		out.Suspicious += btoi(v.verdict == investigation.VerdictSuspicious)
	}
	return out, nil
}

// judgeFiles finds the files that an alert names together with a detected
// threat: those are malicious, and the alert is the evidence.
func judgeFiles(ents []investigation.Entity, alerts []alert.Alert) []verdict {
	var out []verdict
	for _, e := range ents {
		if e.Type != alert.EntityFile {
			continue
		}
		var evidence []investigation.Evidence
		for _, a := range alerts {
			if len(a.ThreatNames) > 0 && names(a, e.Entity) {
				evidence = append(evidence, investigation.Evidence{
					Verdict: investigation.VerdictMalicious, Step: "investigate", Source: a.ID,
					Text: fmt.Sprintf("%s alert %q detected %s at %s", a.Format, a.Title,
						strings.Join(a.ThreatNames, ", "), paths(a, e.Entity))})
			}
		}
		if len(evidence) > 0 {
			out = append(out, verdict{e.Ref(), investigation.VerdictMalicious, evidence})
		}
	}
	return out
}

// judgeHosts looks each host up in the tenant: one holding a malicious
// file is suspicious, with the files as evidence.
func (s *Steps) judgeHosts(ctx context.Context, ents []investigation.Entity,
	files []verdict) ([]verdict, error) {
	var out []verdict
	for _, e := range ents {
		if e.Type != alert.EntityHost {
			continue
		}
		var evidence []investigation.Evidence
		for _, f := range files {
			hash := strings.TrimPrefix(f.ref, string(alert.EntityFile)+":")
			held, err := s.Tenant.FilesOnHost(ctx, e.Key, hash)
			if err != nil {
				return nil, err
			}
			for _, h := range held {
				evidence = append(evidence, investigation.Evidence{
					Verdict: investigation.VerdictSuspicious, Step: "investigate", Source: "tenant",
					Text: fmt.Sprintf("holds malicious file %s at %s", hash, h.Path)})
			}
		}
		if len(evidence) > 0 {
			out = append(out, verdict{e.Ref(), investigation.VerdictSuspicious, evidence})
		}
	}
	return out, nil
}

// unjudged gives every entity without a verdict an explicit unknown.
func unjudged(ents []investigation.Entity, judged []verdict) []verdict {
	done := map[string]bool{}
	for _, v := range judged {
		done[v.ref] = true
	}
	var out []verdict
	for _, e := range ents {
		if !done[e.Ref()] {
			out = append(out, verdict{e.Ref(), investigation.VerdictUnknown,
				[]investigation.Evidence{{Verdict: investigation.VerdictUnknown,
					Step: "investigate", Source: "firebreak",
					Text: "no evidence for or against it in the alerts or the tenant"}}})
		}
	}
	return out
}

// names reports whether alert a names entity e.
func names(a alert.Alert, e alert.Entity) bool {
	for _, x := range a.Entities {
		if x.Ref() == e.Ref() {
			return true
		}
	}
	return false
}

// paths returns where alert a saw file e, or its hash when it gave no path.
func paths(a alert.Alert, e alert.Entity) string {
	for _, x := range a.Entities {
		if x.Ref() == e.Ref() && x.Attributes["path"] != "" {
			return strings.ReplaceAll(x.Attributes["path"], "\n", ", ")
		}
	}
	return e.Key
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func evidenceText(ev []investigation.Evidence) string {
	var parts []string
	for _, e := range ev {
		parts = append(parts, e.Text)
	}
	return strings.Join(parts, "; ")
}
