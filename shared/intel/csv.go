package intel

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// CSV columns. A list must have the type and value columns; the others may
// be left out, and columns of other names are ignored.
const (
	colType        = "type"
	colValue       = "value"
	colVerdict     = "verdict"
	colThreat      = "threat"
	colDescription = "description"
	colValidUntil  = "valid_until"
)

// ReadCSV reads an indicator list written as CSV. Its first row names the
// columns: type, value, verdict, threat, description and valid_until, in
// any order, of which all but type and value may be left out. A row may
// stop short of the last columns. Blank lines and lines starting with "#"
// are skipped.
//
// Type is an entity type ("file", "url", "domain", "ip", "user",
// "mailbox", "access_key" …) or a common alias ("sha256", "md5", "hash",
// "ipv4", "hostname", "fqdn", "email" …). Verdict is "malicious" or
// "suspicious", and suspicious when empty. Valid_until is an RFC 3339
// time, and empty for an indicator that does not expire.
//
// Source names the list in evidence and errors, as the file name does:
// an error says `indicators.csv:7: verdict "bad" is not malicious or
// suspicious`. ReadCSV returns no list if any row is wrong.
func ReadCSV(r io.Reader, source string) (*List, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true

	// the header names the columns
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: no header row", source)
	}
	if err != nil {
		return nil, csvError(source, err)
	}
	cols, err := readHeader(header)
	if err != nil {
		line, _ := cr.FieldPos(0)
		return nil, fmt.Errorf("%s:%d: %w", source, line, err)
	}

	// each row after it is one indicator
	l := &List{}
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return l, nil
		}
		if err != nil {
			return nil, csvError(source, err)
		}
		if isBlank(row) {
			continue
		}
		line, _ := cr.FieldPos(0)
		if err := l.addRow(cols, row, source); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", source, line, err)
		}
	}
}

// columns maps a column name to its index in a row.
type columns map[string]int

// columnName writes a column name as the constants do: "Valid-Until" and
// "valid until" name valid_until.
var columnName = strings.NewReplacer("-", "_", " ", "_")

// readHeader returns the columns a header row names.
func readHeader(header []string) (columns, error) {
	cols := make(columns)
	for i, name := range header {
		name = columnName.Replace(strings.ToLower(strings.TrimSpace(
			strings.TrimPrefix(name, "\ufeff"))))
		if _, dup := cols[name]; dup && name != "" {
			return nil, fmt.Errorf("column %q appears twice", name)
		}
		cols[name] = i
	}
	for _, need := range []string{colType, colValue} {
		if _, ok := cols[need]; !ok {
			return nil, fmt.Errorf("header lacks column %q", need)
		}
	}
	return cols, nil
}

// get returns a row's field in the named column, trimmed; "" when the
// list has no such column or the row stops short of it.
func (c columns) get(row []string, name string) string {
	i, ok := c[name]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

// addRow adds the indicator one row names.
func (l *List) addRow(cols columns, row []string, source string) error {
	// what it is and how bad
	t, err := parseType(cols.get(row, colType), cols.get(row, colValue))
	if err != nil {
		return err
	}
	verdict, err := parseVerdict(cols.get(row, colVerdict))
	if err != nil {
		return err
	}

	// until when
	var until time.Time
	if s := cols.get(row, colValidUntil); s != "" {
		if until, err = time.Parse(time.RFC3339, s); err != nil {
			return fmt.Errorf("%s %q is not an RFC 3339 time", colValidUntil, s)
		}
	}

	return l.Add(Entry{
		Type:        t,
		Value:       cols.get(row, colValue),
		Verdict:     verdict,
		Threat:      cols.get(row, colThreat),
		Description: cols.get(row, colDescription),
		Source:      source,
		ValidUntil:  until,
	})
}

// typeNames maps the type names a list may use, lower-cased and with "_"
// for "-", to entity types.
var typeNames = map[string]alert.EntityType{
	"file": alert.EntityFile, "hash": alert.EntityFile,
	"md5": alert.EntityFile, "sha1": alert.EntityFile, "sha_1": alert.EntityFile,
	"sha256": alert.EntityFile, "sha_256": alert.EntityFile,
	"sha512": alert.EntityFile, "sha_512": alert.EntityFile,
	"url": alert.EntityURL, "uri": alert.EntityURL,
	"domain": alert.EntityDomain, "domain_name": alert.EntityDomain,
	"hostname": alert.EntityDomain, "fqdn": alert.EntityDomain,
	"ip": alert.EntityIP, "ipv4": alert.EntityIP, "ipv6": alert.EntityIP,
	"ipv4_addr": alert.EntityIP, "ipv6_addr": alert.EntityIP,
	"user":    alert.EntityUser,
	"mailbox": alert.EntityMailbox, "email": alert.EntityMailbox,
	"email_addr": alert.EntityMailbox, "email_address": alert.EntityMailbox,
	"host":           alert.EntityHost,
	"process":        alert.EntityProcess,
	"email_message":  alert.EntityEmailMessage,
	"cloud_resource": alert.EntityCloudResource,
	"access_key":     alert.EntityAccessKey,
}

// hashLengths gives the hex length of the hash each algorithm alias names.
var hashLengths = map[string]int{
	"md5": 32, "sha1": 40, "sha_1": 40, "sha256": 64, "sha_256": 64,
	"sha512": 128, "sha_512": 128,
}

// parseType returns the entity type a list's type names. A type naming a
// hash algorithm must be given a hash of that algorithm's length.
func parseType(name, value string) (alert.EntityType, error) {
	if name == "" {
		return "", errors.New("type is empty")
	}
	norm := strings.ReplaceAll(strings.ToLower(name), "-", "_")
	t, ok := typeNames[norm]
	if !ok {
		return "", fmt.Errorf("type %q is not an indicator type", name)
	}
	if n, ok := hashLengths[norm]; ok {
		if key := alert.Key(t, value); key != "" && len(key) != n {
			return "", fmt.Errorf("value %q is not a %s hash", value, name)
		}
	}
	return t, nil
}

// parseVerdict returns the verdict a list's verdict names; an empty one is
// suspicious, since a list that does not say is not proof of harm.
func parseVerdict(s string) (investigation.Verdict, error) {
	switch strings.ToLower(s) {
	case "", string(investigation.VerdictSuspicious):
		return investigation.VerdictSuspicious, nil
	case string(investigation.VerdictMalicious):
		return investigation.VerdictMalicious, nil
	}
	return "", fmt.Errorf("verdict %q is not malicious or suspicious", s)
}

// isBlank reports whether a row holds only empty fields, as ",,," does.
func isBlank(row []string) bool {
	for _, f := range row {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// csvError names the line of a CSV syntax error after the source.
func csvError(source string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: %w", source, pe.Line, pe.Err)
	}
	return fmt.Errorf("read %s: %w", source, err)
}
