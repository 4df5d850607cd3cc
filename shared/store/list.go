package store

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Bounds of one page of investigations.
const (
	// MaxPageSize is the most investigations one page lists.
	MaxPageSize = 100
	// maxExaminedPerStatus bounds the items one page reads from one
	// status of the by-status index, so a filter that matches little
	// cannot make a page read the whole index: the page then ends early
	// and its cursor carries on from where the reading stopped.
	maxExaminedPerStatus = 1000
)

// Statuses lists every investigation status, in lifecycle order.
var Statuses = []investigation.Status{
	investigation.StatusRunning, investigation.StatusPendingApproval,
	investigation.StatusRemediating, investigation.StatusRemediated,
	investigation.StatusPartiallyRemediated, investigation.StatusNoThreatsFound,
	investigation.StatusFailed, investigation.StatusTerminated,
}

// Filter selects investigations. Its zero value selects every one.
type Filter struct {
	// Status is one status, or "" for all.
	Status investigation.Status
	// Severity, when set, is the severity the investigation must have.
	Severity *alert.SeverityID
	// Format and Source, when set, are the format and the ingest source
	// one of the investigation's alerts must have.
	Format string
	Source string
	// From (inclusive) and To (exclusive) bound the creation time; zero
	// leaves a side open.
	From, To time.Time
	// After is the cursor a previous page returned as Next: the page goes
	// on after it.
	After string
	// Limit is the page size, at most MaxPageSize; 0 means MaxPageSize.
	Limit int
}

// Summary is one investigation as a list shows it.
type Summary struct {
	investigation.Investigation
	// Formats and Sources are those of its alerts; empty for an
	// investigation of an entity started by hand, or one stored before
	// they were recorded.
	Formats []string `json:"formats,omitempty"`
	Sources []string `json:"sources,omitempty"`
}

// Page is one page of investigations, newest first.
type Page struct {
	Investigations []Summary
	// Next is the opaque cursor of the next page; "" on the last one. A
	// page may hold fewer than Limit investigations and still have a next
	// one, when reading stopped at its bound.
	Next string
}

// ErrBadCursor means a cursor is not one a page returned.
var ErrBadCursor = errors.New("the cursor is not one a page of investigations returned")

// ListInvestigations returns a page of the investigations f selects,
// newest first. It queries the by-status index, one status at a time, and
// merges; it never scans. A cursor that does not decode returns an error
// wrapping ErrBadCursor.
func (s *Store) ListInvestigations(ctx context.Context, f Filter) (Page, error) {
	// the bounds of the page on the index's sort key
	if f.Limit <= 0 || f.Limit > MaxPageSize {
		f.Limit = MaxPageSize
	}
	lower, upper, err := sortBounds(f)
	if err != nil {
		return Page{}, err
	}
	if lower > upper {
		return Page{}, nil
	}

	// each status's newest, then the newest of all
	statuses := Statuses
	if f.Status != "" {
		statuses = []investigation.Status{f.Status}
	}
	var found []listed
	cutoff := ""
	for _, st := range statuses {
		items, frontier, err := s.listStatus(ctx, st, f, lower, upper)
		if err != nil {
			return Page{}, err
		}
		found = append(found, items...)
		cutoff = max(cutoff, frontier)
	}
	return pageOf(found, cutoff, f.Limit), nil
}

// listed is an investigation found with its place in the index.
type listed struct {
	sortKey string
	summary Summary
}

// pageOf keeps the newest limit of found that are not older than cutoff,
// where a status's reading stopped, and names the next page's cursor.
func pageOf(found []listed, cutoff string, limit int) Page {
	slices.SortFunc(found, func(a, b listed) int { return cmp.Compare(b.sortKey, a.sortKey) })
	var p Page
	for _, l := range found {
		if l.sortKey < cutoff || len(p.Investigations) == limit {
			break
		}
		p.Investigations = append(p.Investigations, l.summary)
		p.Next = encodeCursor(l.sortKey)
	}
	switch {
	case len(p.Investigations) == limit:
	case cutoff != "":
		p.Next = encodeCursor(cutoff)
	default:
		p.Next = ""
	}
	return p
}

// listStatus reads, newest first, up to f.Limit investigations of status st
// that f selects between lower and upper (exclusive). frontier is set when
// it stopped at maxExaminedPerStatus: the sort key of the last item read.
func (s *Store) listStatus(ctx context.Context, st investigation.Status, f Filter,
	lower, upper string) (items []listed, frontier string, err error) {
	in, err := s.statusQuery(st, f, lower, upper)
	if err != nil {
		return nil, "", err
	}
	examined := int32(0)
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() && len(items) < f.Limit {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("list %s investigations: %w", st, err)
		}
		for _, m := range out.Items {
			l, err := decodeListed(m)
			if err != nil {
				return nil, "", err
			}
			if l.sortKey != upper {
				items = append(items, l)
			}
		}
		examined += out.ScannedCount
		if examined >= int32(s.examineBound) && len(out.LastEvaluatedKey) > 0 {
			return items, stringAttr(out.LastEvaluatedKey, attrGSI1SK), nil
		}
	}
	return items, "", nil
}

// statusQuery queries status st of the by-status index, newest first,
// between lower and upper, with f's other conditions as a filter.
func (s *Store) statusQuery(st investigation.Status, f Filter, lower, upper string) (
	*dynamodb.QueryInput, error) {
	keys := expression.Key(attrGSI1PK).Equal(expression.Value(prefixStatus + string(st))).
		And(expression.Key(attrGSI1SK).Between(expression.Value(lower),
			expression.Value(upper)))
	b := expression.NewBuilder().WithKeyCondition(keys)
	if cond, ok := filterCondition(f); ok {
		b = b.WithFilter(cond)
	}
	expr, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("build investigation list query: %w", err)
	}
	return &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(indexStatus),
		KeyConditionExpression:    expr.KeyCondition(),
		FilterExpression:          expr.Filter(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(min(f.Limit*2, s.examineBound))),
	}, nil
}

// filterCondition is the condition of f's severity, format and source; ok
// is false when f sets none.
func filterCondition(f Filter) (cond expression.ConditionBuilder, ok bool) {
	var conds []expression.ConditionBuilder
	if f.Severity != nil {
		conds = append(conds, expression.Name("severity_id").Equal(expression.Value(*f.Severity)))
	}
	if f.Format != "" {
		conds = append(conds, expression.Name("formats").Contains(f.Format))
	}
	if f.Source != "" {
		conds = append(conds, expression.Name("sources").Contains(f.Source))
	}
	switch len(conds) {
	case 0:
		return cond, false
	case 1:
		return conds[0], true
	}
	return expression.And(conds[0], conds[1], conds[2:]...), true
}

// Sort key bounds for no time limit: every sortable time lies between.
const (
	lowestSortKey  = "0000"
	highestSortKey = "9999~"
)

// sortBounds returns the range of the by-status sort key f selects. The
// upper bound is excluded: a time sorts before every key of that time,
// and listStatus drops a key equal to the cursor.
func sortBounds(f Filter) (lower, upper string, err error) {
	lower, upper = lowestSortKey, highestSortKey
	if !f.From.IsZero() {
		lower = f.From.UTC().Format(sortableTime)
	}
	if !f.To.IsZero() {
		upper = f.To.UTC().Format(sortableTime)
	}
	if f.After != "" {
		after, err := decodeCursor(f.After)
		if err != nil {
			return "", "", err
		}
		upper = min(upper, after)
	}
	return lower, upper, nil
}

// cursorKey is the shape of a by-status sort key: a sortable time and an
// id.
var cursorKey = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z#[0-9A-Za-z-]{1,64}$`)

func encodeCursor(sortKey string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(sortKey))
}

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !cursorKey.Match(b) {
		return "", ErrBadCursor
	}
	return string(b), nil
}

// decodeListed decodes an investigation item of the by-status index.
func decodeListed(m map[string]types.AttributeValue) (listed, error) {
	var it investigationItem
	if err := unmarshal(m, &it); err != nil {
		return listed{}, err
	}
	return listed{sortKey: it.GSI1SK, summary: Summary{Investigation: it.Investigation,
		Formats: it.Formats, Sources: it.Sources}}, nil
}

func stringAttr(m map[string]types.AttributeValue, name string) string {
	if v, ok := m[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// Timeline returns the timeline of investigation id, oldest first.
func (s *Store) Timeline(ctx context.Context, id string) ([]investigation.Event, error) {
	return queryKind(ctx, s, id, prefixEvent,
		func(it eventItem) investigation.Event { return it.Event })
}

// addOnce returns set with v added, unless v is empty or already in it.
func addOnce(set []string, v string) []string {
	if v == "" || slices.Contains(set, v) {
		return set
	}
	return append(set, v)
}

// addToSet adds v to the string set attribute name; an empty v adds
// nothing, since DynamoDB refuses an empty string in a set.
func addToSet(u expression.UpdateBuilder, name, v string) expression.UpdateBuilder {
	if v == "" {
		return u
	}
	return u.Add(expression.Name(name),
		expression.Value(types.AttributeValueMemberSS{Value: []string{v}}))
}
