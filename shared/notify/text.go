package notify

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxFieldRunes bounds one field of a message as shown: an alert may
// supply a long target or reason, and a message stays readable.
const maxFieldRunes = 500

// Line is one labelled line of a message's content: Label is Firebreak's
// own text, Value may be an alert's.
type Line struct {
	Label string
	Value string
}

// Lines returns what a message says, in order, with each value made one
// line of printable text (see OneLine) and cut to a readable length. A
// field with nothing to say is left out.
func Lines(m Message) []Line {
	all := []Line{
		{"What will happen", m.Action},
		{"To", m.Target},
		{"Where", m.Scope},
		{"Why", m.Reason},
		{"Investigation", m.InvestigationID},
		{"Who may decide", group(m.Group)},
		{"The links expire", m.ExpiresAt},
	}
	lines := all[:0]
	for _, l := range all {
		if v := cut(OneLine(l.Value), maxFieldRunes); v != "" {
			lines = append(lines, Line{l.Label, v})
		}
	}
	return lines
}

func group(g string) string {
	if g == "" {
		return ""
	}
	return "the approver group " + g
}

// Subject returns the message's subject as one line: m.Subject, or what
// will happen to what when it is empty.
func Subject(m Message) string {
	if s := OneLine(m.Subject); s != "" {
		return s
	}
	s := "Approve " + OneLine(m.Action)
	if t := OneLine(m.Target); t != "" {
		s += " on " + t
	}
	return s
}

// confirmNote says why a link is safe to open.
const confirmNote = "Each link opens a page that asks you to confirm; nothing happens " +
	"until you do."

// Text returns the message as plain text, as an email shows it: the
// lines, then the Approve and Reject links, each on its own line. Since
// every value is one line, an alert cannot forge a line of its own, such
// as a link of its choosing.
func Text(m Message) string {
	var b strings.Builder
	b.WriteString("An action waits for your decision.\n\n")
	for _, l := range Lines(m) {
		b.WriteString(l.Label + ": " + l.Value + "\n")
	}
	b.WriteString("\nApprove: " + OneLine(m.ApproveURL) + "\n")
	b.WriteString("Reject:  " + OneLine(m.RejectURL) + "\n\n")
	b.WriteString(confirmNote + "\n")
	return b.String()
}

// OneLine returns s as one line of printable text: line breaks, tabs,
// other control characters and invisible format characters (such as the
// bidirectional overrides that reorder what a reader sees) become spaces,
// runs of spaces become one, and invalid UTF-8 is dropped.
func OneLine(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// cut returns s cut to at most n runes, marking a cut with an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
