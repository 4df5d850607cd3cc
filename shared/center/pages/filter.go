package pages

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// severities are the severity names a filter takes, gravest last.
var severities = []alert.SeverityID{alert.SeverityUnknown, alert.SeverityInformational,
	alert.SeverityLow, alert.SeverityMedium, alert.SeverityHigh, alert.SeverityCritical,
	alert.SeverityFatal, alert.SeverityOther}

// severityName is a severity as a filter names it: "high".
func severityName(id alert.SeverityID) string { return strings.ToLower(id.String()) }

// sourceName is what an ingest source's name may be in a filter.
var sourceName = regexp.MustCompile(`^[A-Za-z0-9._:@/-]{1,128}$`)

// filterParams are the query parameters a list or the audit log takes.
var filterParams = []string{"status", "severity", "format", "source", "from", "to", "after",
	"limit"}

// parseFilter reads a list's filters from q: status, severity (a name),
// format, source, from and to (RFC 3339, a date-time without zone taken as
// UTC, or a date), the cursor after, and limit. It refuses an unknown
// parameter or value with a reason.
func parseFilter(q url.Values, defaultLimit int) (store.Filter, error) {
	f := store.Filter{Limit: defaultLimit}
	for k := range q {
		if !slices.Contains(filterParams, k) {
			return f, fmt.Errorf("unknown parameter %q; the filters are %v", gateway.Quote(k),
				filterParams)
		}
	}
	steps := []func(url.Values, *store.Filter) error{parseStatus, parseSeverity, parseFormat,
		parseSource, parseTimes, parseLimit}
	for _, step := range steps {
		if err := step(q, &f); err != nil {
			return f, err
		}
	}
	f.After = q.Get("after")
	return f, nil
}

func parseStatus(q url.Values, f *store.Filter) error {
	v := q.Get("status")
	if v != "" && !slices.Contains(store.Statuses, investigation.Status(v)) {
		return fmt.Errorf("status %q is not one of %v", gateway.Quote(v), store.Statuses)
	}
	f.Status = investigation.Status(v)
	return nil
}

func parseSeverity(q url.Values, f *store.Filter) error {
	v := q.Get("severity")
	if v == "" {
		return nil
	}
	for _, s := range severities {
		if severityName(s) == v {
			f.Severity = &s
			return nil
		}
	}
	names := make([]string, len(severities))
	for i, s := range severities {
		names[i] = severityName(s)
	}
	return fmt.Errorf("severity %q is not one of %v", gateway.Quote(v), names)
}

func parseFormat(q url.Values, f *store.Filter) error {
	v := q.Get("format")
	if v != "" && !slices.Contains(alert.Formats(), v) {
		return fmt.Errorf("format %q is not one of %v", gateway.Quote(v), alert.Formats())
	}
	f.Format = v
	return nil
}

func parseSource(q url.Values, f *store.Filter) error {
	v := q.Get("source")
	if v != "" && !sourceName.MatchString(v) {
		return fmt.Errorf("source %q is not a source name: letters, digits and . _ : @ / -, "+
			"at most 128", gateway.Quote(v))
	}
	f.Source = v
	return nil
}

// timeLayouts are the forms from and to take: RFC 3339, what a browser's
// datetime-local input sends (read as UTC), and a date.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04",
	"2006-01-02"}

func parseTimes(q url.Values, f *store.Filter) error {
	var err error
	if f.From, err = parseTime("from", q.Get("from")); err != nil {
		return err
	}
	if f.To, err = parseTime("to", q.Get("to")); err != nil {
		return err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return errors.New("from must be before to")
	}
	return nil
}

func parseTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, v); err == nil && t.Year() >= 1970 && t.Year() < 10000 {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %q is not a time: send RFC 3339 "+
		"(2026-12-04T06:00:00Z) or a date (2026-12-04)", name, gateway.Quote(v))
}

func parseLimit(q url.Values, f *store.Filter) error {
	v := q.Get("limit")
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > store.MaxPageSize {
		return fmt.Errorf("limit %q is not a number from 1 to %d", gateway.Quote(v), store.MaxPageSize)
	}
	f.Limit = n
	return nil
}

// filterQuery is f as query parameters, for the links of the next page
// and the CSV export; after is the next page's cursor or "".
func filterQuery(f store.Filter, after string) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("status", string(f.Status))
	if f.Severity != nil {
		set("severity", severityName(*f.Severity))
	}
	set("format", f.Format)
	set("source", f.Source)
	if !f.From.IsZero() {
		set("from", f.From.Format(time.RFC3339Nano))
	}
	if !f.To.IsZero() {
		set("to", f.To.Format(time.RFC3339Nano))
	}
	set("after", after)
	return q
}
