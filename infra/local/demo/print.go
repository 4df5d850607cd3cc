package demo

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Layout of the printed report.
const (
	// lineWidth is the widest a wrapped line grows; a single word wider
	// than a whole line is cut.
	lineWidth = 100
	// maxTextRunes cuts an evidence text, reason, result or timeline
	// message, so that one verbose alert cannot flood the report.
	maxTextRunes = 360
	// maxRefsPerKind is how many related entities of one kind an entity
	// lists before it only counts the rest.
	maxRefsPerKind = 6
	// maxActorRunes is the widest the timeline's actor column grows.
	maxActorRunes = 20
)

// Indents of the lines that follow an entity, an action and an event.
const (
	entityIndent   = 16 // under the entity's ref
	actionIndent   = 20 // under the action's type
	timelineIndent = 16 // under the actor, so that a long ref still fits
)

// verdictOrder and actionOrder rank verdicts and action statuses for
// counting and sorting: the gravest, or the one an analyst acts on, first.
var (
	verdictOrder = []investigation.Verdict{investigation.VerdictMalicious,
		investigation.VerdictSuspicious, investigation.VerdictClean,
		investigation.VerdictUnknown}
	actionOrder = []investigation.ActionStatus{investigation.ActionPendingApproval,
		investigation.ActionFailed, investigation.ActionProposed, investigation.ActionApproved,
		investigation.ActionRunning, investigation.ActionSucceeded, investigation.ActionRejected,
		investigation.ActionExpired, investigation.ActionUndone}
)

// Print writes rep for a person: each playbook scene with the full report
// of its investigations, then the sweep of every sample alert as a table
// of the files posted and one summary row per investigation. Every string
// that came from an alert is stripped of control characters first.
func Print(w io.Writer, rep Report) {
	for i, o := range rep.Scenes {
		heading(w, fmt.Sprintf("Scene %d of %d: %s", i+1, len(rep.Scenes), o.Title))
		printPushes(w, o.Pushes)
		printApprovals(w, o.Approvals)
		for _, v := range o.Investigations {
			fmt.Fprintf(w, "execution of %s: %s\n", clean(v.ID), clean(o.Executions[v.ID]))
		}
		for _, v := range o.Investigations {
			fmt.Fprintln(w)
			PrintInvestigation(w, v)
		}
		fmt.Fprintln(w)
	}

	heading(w, fmt.Sprintf("%s: %d files into one environment", rep.Alerts.Title,
		len(rep.Alerts.Files)))
	printPushes(w, rep.Alerts.Pushes)
	printApprovals(w, rep.Alerts.Approvals)
	fmt.Fprintln(w)
	printSummary(w, rep.Alerts)
}

// printApprovals writes the links of the actions that waited for a
// person, and what the analyst's GET then POST of the approve link did.
func printApprovals(w io.Writer, approvals []Approval) {
	for _, a := range approvals {
		fmt.Fprintf(w, "approval of %s %s (%s):\n  approve: %s\n  reject:  %s\n  %s\n",
			clean(string(a.Type)), clean(a.Target), clean(a.ActionID), clean(a.ApproveURL),
			clean(a.RejectURL), clean(a.Decided))
	}
}

// heading writes title, cleaned, with a rule under it.
func heading(w io.Writer, title string) {
	title = cut(clean(title), lineWidth)
	fmt.Fprintf(w, "%s\n%s\n", title, strings.Repeat("=", utf8.RuneCountInString(title)))
}

// printPushes writes one row per alert file, under a row for its source's
// folder: the HTTP status and what became of each alert in the file, and
// the investigation it went to.
func printPushes(w io.Writer, pushes []Push) {
	tw := newTable(w)
	fmt.Fprintln(tw, "FILE\tRESULT\tINVESTIGATION")
	folder := ""
	for _, p := range pushes {
		dir, file := path.Split(clean(p.File))
		if dir != folder {
			fmt.Fprintf(tw, "%s\t\t\n", dir)
			folder = dir
		}
		result, ids := pushResult(p)
		fmt.Fprintf(tw, "  %s\t%d %s\t%s\n", file, p.Status, result, ids)
	}
	tw.Flush()
}

// pushResult says what became of p's alerts, and which investigations
// they went to.
func pushResult(p Push) (result, ids string) {
	if p.Error != "" {
		return cutText("refused: "+clean(p.Error), lineWidth/2), "-"
	}
	var results, inv []string
	for _, r := range p.Results {
		s := clean(r.Status)
		if r.Reason != "" {
			s += " (" + clean(r.Reason) + ")"
		}
		results = append(results, cutText(s, lineWidth/2))
		if r.InvestigationID == "" {
			inv = append(inv, "(not investigated)")
		} else {
			inv = append(inv, clean(r.InvestigationID))
		}
	}
	return strings.Join(results, ", "), strings.Join(inv, ", ")
}

// printSummary writes one row per investigation of o: its playbook and
// status, then how many of its entities have each verdict and how many
// of its actions are in each status.
func printSummary(w io.Writer, o Outcome) {
	fmt.Fprintln(w, "Entities by verdict: MAL malicious, SUS suspicious, CLN clean, UNK unknown.")
	fmt.Fprintln(w, "Actions by status: OK succeeded, FAIL failed, WAIT pending_approval, "+
		"OTHER any other.")
	tw := newTable(w)
	fmt.Fprintln(tw, "INVESTIGATION\tPLAYBOOK\tSTATUS\tMAL SUS CLN UNK\t  OK FAIL WAIT OTHER")
	for _, v := range o.Investigations {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", clean(v.ID), clean(v.Playbook),
			clean(string(v.Status)), verdictColumns(v.Entities), actionColumns(v.Actions))
	}
	tw.Flush()

	// the executions that make the demo fail
	for _, v := range o.Investigations {
		if ex := o.Executions[v.ID]; ex != string(sfntypes.ExecutionStatusSucceeded) {
			fmt.Fprintf(w, "execution of %s: %s\n", clean(v.ID), clean(ex))
		}
	}
}

// verdictColumns counts entities by verdict, under MAL SUS CLN UNK.
func verdictColumns(entities []gateway.EntityView) string {
	n := map[investigation.Verdict]int{}
	for _, e := range entities {
		n[e.Verdict]++
	}
	return fmt.Sprintf("%3s %3s %3s %3s", count(n[investigation.VerdictMalicious]),
		count(n[investigation.VerdictSuspicious]), count(n[investigation.VerdictClean]),
		count(n[investigation.VerdictUnknown]))
}

// actionColumns counts actions by status, under OK FAIL WAIT OTHER.
func actionColumns(actions []gateway.ActionView) string {
	n := map[investigation.ActionStatus]int{}
	for _, a := range actions {
		n[a.Status]++
	}
	ok, failed := n[investigation.ActionSucceeded], n[investigation.ActionFailed]
	waiting := n[investigation.ActionPendingApproval]
	return fmt.Sprintf("%4s %4s %4s %5s", count(ok), count(failed), count(waiting),
		count(len(actions)-ok-failed-waiting))
}

// table is a tabwriter that writes its lines to w without the padding
// that trails the last cell.
type table struct {
	*tabwriter.Writer
	buf bytes.Buffer
	w   io.Writer
}

func newTable(w io.Writer) *table {
	t := &table{w: w}
	t.Writer = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	return t
}

// Flush writes the table to its writer.
func (t *table) Flush() {
	t.Writer.Flush()
	for line := range strings.Lines(t.buf.String()) {
		fmt.Fprintln(t.w, strings.TrimRight(line, " \n"))
	}
	t.buf.Reset()
}

// count is n, or "-" for none, so that the counts that matter stand out.
func count(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

// PrintInvestigation writes the report of one investigation for an
// analyst: a header, its entities by round with the evidence that decided
// each verdict, how each was found and what it relates to, its actions
// and its timeline. Long texts are wrapped to lineWidth and cut, and long
// hex digests in them are shortened (an entity's own line keeps its full
// key); control characters are stripped from every string of v.
func PrintInvestigation(w io.Writer, v gateway.InvestigationView) {
	p := printer{w: w, names: map[string]string{}}
	for _, e := range v.Entities {
		if e.Name != "" && e.Name != e.Key {
			p.names[string(e.Type)+":"+e.Key] = e.Name
		}
	}

	// header
	p.wrap(0, 2, "Investigation "+v.ID)
	p.wrap(2, 4, v.Title)
	p.wrap(2, 4, fmt.Sprintf("playbook %s, automation %s, status %s", v.Playbook,
		v.Automation, v.Status))
	if s := v.PendingScope; s != nil {
		line := fmt.Sprintf("scope: round %d would reach %d hosts; asked at %s UTC, %s",
			s.Round, s.Hosts, s.RequestedAt.UTC().Format("15:04:05"), s.Status)
		if s.DecidedBy != "" {
			line += " by " + s.DecidedBy
		}
		p.wrap(2, 4, line)
	}

	p.entities(v.Entities)
	p.actions(v.Actions)
	p.timeline(v.Timeline)
}

// printer writes the lines of one investigation's report. names holds
// the name of each named entity by its ref, to show beside the ref.
type printer struct {
	w     io.Writer
	names map[string]string
}

// entities writes the entities by round, the gravest verdict first.
func (p printer) entities(entities []gateway.EntityView) {
	fmt.Fprintf(p.w, "\nEntities (%s)\n", entityCounts(entities))
	sorted := slices.Clone(entities)
	slices.SortStableFunc(sorted, func(a, b gateway.EntityView) int {
		return cmp.Or(cmp.Compare(a.Round, b.Round),
			cmp.Compare(rank(verdictOrder, a.Verdict), rank(verdictOrder, b.Verdict)))
	})
	for i, e := range sorted {
		if i == 0 || e.Round != sorted[i-1].Round {
			fmt.Fprintf(p.w, "  round %d\n", e.Round)
		}
		p.entity(e)
	}
}

// entity writes one entity: its verdict and ref, then why: the evidence
// that argues for its verdict, a count of the rest, how it was found,
// what it relates to, and why it is left alone if it is.
func (p printer) entity(e gateway.EntityView) {
	// verdict, ref and marks
	head := []string{fmt.Sprintf("%-10s  %s:%s", e.Verdict, e.Type, e.Key)}
	if e.Name != "" && e.Name != e.Key {
		head = append(head, fields("("+e.Name+")")...)
	}
	if e.Critical {
		head = append(head, "[critical]")
	}
	if e.Excluded != "" {
		head = append(head, "[excluded]")
	}
	p.words(4, entityIndent+2, head)

	// the evidence that decided the verdict, and a count of the rest
	others := map[string]int{}
	n := 0
	for _, ev := range e.Evidence {
		if ev.Verdict != e.Verdict {
			others[string(ev.Verdict)]++
			n++
			continue
		}
		p.wrap(entityIndent, entityIndent+5, fmt.Sprintf("why: %s (%s, %s)",
			cutText(clean(ev.Text), maxTextRunes), ev.Step, ev.Source))
	}
	if n > 0 {
		p.wrap(entityIndent, entityIndent+5, fmt.Sprintf("and %s %s", countList(others,
			verdictOrder), plural(n, "finding", "findings")))
	}

	// how it was found, what it relates to, why it is left alone
	if e.FoundBy != "" {
		p.wrap(entityIndent, entityIndent+10, "found by: "+e.FoundBy)
	}
	for _, kind := range relationKinds(e.Relations) {
		p.relations(kind, e.Relations)
	}
	if e.Excluded != "" {
		p.wrap(entityIndent, entityIndent+10, "excluded: "+cutText(clean(e.Excluded),
			maxTextRunes))
	}
}

// relationKinds lists the kinds of rels in the order they first appear.
func relationKinds(rels []investigation.Relation) []string {
	var kinds []string
	for _, r := range rels {
		if !slices.Contains(kinds, r.Kind) {
			kinds = append(kinds, r.Kind)
		}
	}
	return kinds
}

// relations writes "kind → ref, ref" for the relations of one kind,
// counting those beyond maxRefsPerKind.
func (p printer) relations(kind string, rels []investigation.Relation) {
	var refs []string
	for _, r := range rels {
		if r.Kind == kind {
			refs = append(refs, r.Ref)
		}
	}
	words := []string{clean(kind), "→"}
	for i, ref := range refs {
		if i == maxRefsPerKind {
			words = append(words, fmt.Sprintf("and %d more", len(refs)-i))
			break
		}
		ws := p.ref(ref)
		if i < len(refs)-1 && i < maxRefsPerKind-1 {
			ws[len(ws)-1] += ","
		}
		words = append(words, ws...)
	}
	p.words(entityIndent, entityIndent+utf8.RuneCountInString(words[0])+3, words)
}

// ref is an entity's ref, shortened, and its name if it has one, as words.
func (p printer) ref(ref string) []string {
	words := []string{shorten(clean(ref))}
	if name, ok := p.names[ref]; ok {
		words = append(words, fields("("+name+")")...)
	}
	return words
}

// actions writes each action, those waiting for an analyst first: its
// status, type, target and scope, then who decided on it, why it was
// proposed and what came of it.
func (p printer) actions(actions []gateway.ActionView) {
	fmt.Fprintf(p.w, "\nActions (%s)\n", actionCounts(actions))
	if len(actions) == 0 {
		fmt.Fprintln(p.w, "  none")
	}
	sorted := slices.Clone(actions)
	slices.SortStableFunc(sorted, func(a, b gateway.ActionView) int {
		return cmp.Compare(rank(actionOrder, a.Status), rank(actionOrder, b.Status))
	})
	for _, a := range sorted {
		// status, type, target and scope
		words := append([]string{fmt.Sprintf("%-16s  %s", a.Status, a.Type)}, p.ref(a.Target)...)
		if a.Scope != "" {
			words = append(words, "on")
			words = append(words, p.ref(a.Scope)...)
		}
		p.words(2, actionIndent+2, words)

		// who decided, why, and what came of it
		if a.ApprovedBy != "" {
			decided := ""
			if a.DecidedAt != nil {
				decided = " at " + a.DecidedAt.UTC().Format("15:04:05") + " UTC"
			}
			p.wrap(actionIndent, actionIndent+2, "decided by "+a.ApprovedBy+decided)
		}
		if a.Reason != "" {
			p.wrap(actionIndent, actionIndent+8, "reason: "+cutText(clean(a.Reason),
				maxTextRunes))
		}
		if a.Result != "" {
			p.wrap(actionIndent, actionIndent+8, "result: "+cutText(clean(a.Result),
				maxTextRunes))
		}
	}
}

// timeline writes one line per event: its time, the step or person that
// acted and what happened.
func (p printer) timeline(events []investigation.Event) {
	fmt.Fprintf(p.w, "\nTimeline (%d events, UTC)\n", len(events))
	width := 0
	for _, e := range events {
		width = max(width, utf8.RuneCountInString(clean(e.Actor)))
	}
	width = min(width, maxActorRunes)
	for _, e := range events {
		head := fmt.Sprintf("%s  %-*s ", e.Time.UTC().Format("15:04:05.000"), width,
			cut(clean(e.Actor), width))
		msg := fields(shorten(cutText(clean(e.Message), maxTextRunes)))
		p.words(2, timelineIndent, append([]string{head}, msg...))
	}
}

// entityCounts is "N: n1 verdict1, n2 verdict2", the gravest first.
func entityCounts(entities []gateway.EntityView) string {
	counts := map[string]int{}
	for _, e := range entities {
		counts[string(e.Verdict)]++
	}
	return total(len(entities), countList(counts, verdictOrder))
}

// actionCounts is "N: n1 status1, ...", the statuses an analyst acts on
// first.
func actionCounts(actions []gateway.ActionView) string {
	counts := map[string]int{}
	for _, a := range actions {
		counts[string(a.Status)]++
	}
	return total(len(actions), countList(counts, actionOrder))
}

func total(n int, list string) string {
	if list == "" {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d: %s", n, list)
}

// countList is "n1 name1, n2 name2": the names in order first, any others
// after them, alphabetically.
func countList[S ~string](counts map[string]int, order []S) string {
	names := make([]string, 0, len(counts))
	for name := range counts {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(order, S(a)), rank(order, S(b))), strings.Compare(a, b))
	})
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = fmt.Sprintf("%d %s", counts[name], clean(name))
	}
	return strings.Join(parts, ", ")
}

// rank is the place of s in order; what order lacks comes after it all.
func rank[S comparable](order []S, s S) int {
	if i := slices.Index(order, s); i >= 0 {
		return i
	}
	return len(order)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// wrap writes the words of text, cleaned and with long hex digests
// shortened, as lines of at most lineWidth columns: the first indented by
// first spaces, the others by rest.
func (p printer) wrap(first, rest int, text string) {
	p.words(first, rest, fields(shorten(clean(text))))
}

// words cleans each word and writes them, separated by spaces, as lines of
// at most lineWidth columns; a word never breaks across lines unless it is
// wider than a whole line, when it is cut.
func (p printer) words(first, rest int, words []string) {
	var b strings.Builder
	indent, col := first, 0
	b.WriteString(strings.Repeat(" ", first))
	for _, word := range words {
		word = clean(word)
		if col > 0 && indent+col+1+utf8.RuneCountInString(word) > lineWidth {
			b.WriteString("\n" + strings.Repeat(" ", rest))
			indent, col = rest, 0
		}
		if col > 0 {
			b.WriteByte(' ')
			col++
		}
		word = cut(word, lineWidth-indent-col)
		b.WriteString(word)
		col += utf8.RuneCountInString(word)
	}
	fmt.Fprintln(p.w, b.String())
}

// fields splits s, cleaned, into its words.
func fields(s string) []string { return strings.Fields(clean(s)) }

// hexDigest matches a SHA-1 or longer digest, or an id as long.
var hexDigest = regexp.MustCompile(`\b[0-9A-Fa-f]{40,}\b`)

// shorten writes each long hex digest in s as its first 8 and last 6
// digits, enough to tell it from the others of a report.
func shorten(s string) string {
	return hexDigest.ReplaceAllStringFunc(s, func(h string) string {
		return h[:8] + "…" + h[len(h)-6:]
	})
}

// cut shortens s to at most n runes, ending it with "…" when it was cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n < 1 {
		return ""
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// cutText shortens text to at most n runes as cut does, but at the end of
// a word when one ends near the cut.
func cutText(text string, n int) string {
	s := cut(text, n)
	if s == text {
		return s
	}
	s = strings.TrimSuffix(s, "…")
	if i := strings.LastIndexByte(s, ' '); i > len(s)-maxWordBytes {
		s = s[:i]
	}
	return s + "…"
}

// maxWordBytes is how far back cutText looks for the end of a word.
const maxWordBytes = 40

// clean makes s safe to write to a terminal: it drops control characters
// (ESC and the rest of C0 and C1, DEL) and the bidirectional controls
// that reorder what is shown, turns tabs and line breaks into spaces and
// bytes that are not UTF-8 into U+FFFD.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
