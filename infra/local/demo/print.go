package demo

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/firebreak/firebreak/shared/gateway"
)

// PrintTable writes the report for a person: the alerts pushed, a table
// with one row per investigation, then each investigation's entities with
// their verdicts and evidence, its actions and its timeline.
func PrintTable(w io.Writer, rep Report) {
	fmt.Fprintln(w, "Alerts")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tHTTP\tRESULT")
	for _, p := range rep.Pushes {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", p.File, p.Status, pushResult(p))
	}
	tw.Flush()

	fmt.Fprintln(w, "\nInvestigations")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPLAYBOOK\tSTATUS\tENTITIES\tACTIONS")
	for _, v := range rep.Investigations {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.ID, v.Playbook, v.Status,
			entitySummary(v), actionSummary(v))
	}
	tw.Flush()

	for _, v := range rep.Investigations {
		printDetail(w, v)
	}
}

func pushResult(p Push) string {
	if p.Error != "" {
		return "refused: " + p.Error
	}
	var parts []string
	for _, r := range p.Results {
		s := r.Status
		if r.InvestigationID != "" {
			s += " → " + r.InvestigationID
		} else {
			s += " (stored, not investigated)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// entitySummary counts the entities by verdict, worst first.
func entitySummary(v gateway.InvestigationView) string {
	counts := map[string]int{}
	for _, e := range v.Entities {
		counts[string(e.Verdict)]++
	}
	parts := []string{}
	for _, verdict := range []string{"malicious", "suspicious", "clean", "unknown"} {
		if counts[verdict] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[verdict], verdict))
		}
	}
	return fmt.Sprintf("%d (%s)", len(v.Entities), strings.Join(parts, ", "))
}

func actionSummary(v gateway.InvestigationView) string {
	if len(v.Actions) == 0 {
		return "none"
	}
	parts := []string{}
	for _, a := range v.Actions {
		parts = append(parts, fmt.Sprintf("%s %s: %s", a.Type, a.Scope, a.Status))
	}
	return strings.Join(parts, "; ")
}

// printDetail writes one investigation's entities, actions and timeline.
func printDetail(w io.Writer, v gateway.InvestigationView) {
	fmt.Fprintf(w, "\n%s  %s  [%s, playbook %s, automation %s]\n", v.ID, v.Title, v.Status,
		v.Playbook, v.Automation)
	fmt.Fprintln(w, "  entities:")
	for _, e := range v.Entities {
		fmt.Fprintf(w, "    %-10s %s:%s\n", e.Verdict, e.Type, e.Key)
		for _, ev := range e.Evidence {
			fmt.Fprintf(w, "               why: %s (%s, %s)\n", ev.Text, ev.Step, ev.Source)
		}
	}
	fmt.Fprintln(w, "  actions:")
	if len(v.Actions) == 0 {
		fmt.Fprintln(w, "    none")
	}
	for _, a := range v.Actions {
		fmt.Fprintf(w, "    %-10s %s %s on %s\n", a.Status, a.Type, a.Target, a.Scope)
		if a.Result != "" {
			fmt.Fprintf(w, "               result: %s\n", a.Result)
		}
	}
	fmt.Fprintln(w, "  timeline:")
	for _, e := range v.Timeline {
		fmt.Fprintf(w, "    %s  %-12s %s\n", e.Time.Format("15:04:05.000"), e.Actor, e.Message)
	}
}
