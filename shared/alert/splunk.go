package alert

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// splunkFormat names the payloads of Splunk's alert actions.
const splunkFormat = "splunk"

// splunk parses the payload Splunk posts for a triggered alert: the
// webhook alert action's body and the JSON a custom (modular) alert action
// reads on standard input, which adds configuration and results_file to
// the same keys.
//
// The payload holds the first result row of the search, every value a
// string or, for a multi-value field, an array of strings. Splunk sends no
// severity: the parser reads the search's own severity (or urgency) field,
// else a severity parameter of the custom action's configuration. Entities
// come from the result's Common Information Model fields (see
// splunkFields).
type splunk struct{}

// Name returns "splunk".
func (splunk) Name() string { return splunkFormat }

// Detect claims a payload with a search id, a saved search name and a
// results link, whatever their types, so that Parse can say what is wrong.
func (splunk) Detect(top map[string]json.RawMessage) bool {
	return top["sid"] != nil && top["search_name"] != nil && top["results_link"] != nil
}

// Parse returns the one alert of an alert action payload. sid,
// search_name and result are required.
//
// The search id names the search job, not the result: a job that fires
// once per result sends the same sid each time. The alert's id is
// therefore the sid and a digest of the result. Its time is the result's
// _time, else the scheduled time in the sid, else the time of parsing.
func (splunk) Parse(item []byte) ([]Alert, error) {
	// decode the payload and check what every alert needs
	var p splunkPayload
	if err := decode(splunkFormat, item, &p); err != nil {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	r := splunkResult{fields: p.Result}

	// read the alert from the search and its result
	sev, source := p.severity(&r)
	t := p.time(&r)
	a := Alert{
		Format:         splunkFormat,
		SourceAlertID:  p.SID + ":" + r.digest(),
		Title:          p.SearchName,
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: source,
		Time:           t,
		Product:        "Splunk",
		Entities:       r.entities(),
	}
	if r.err != nil {
		return nil, r.err
	}
	return []Alert{a}, nil
}

// splunkPayload is the part of an alert action payload the parser reads.
type splunkPayload struct {
	SID           string `json:"sid"`
	SearchName    string `json:"search_name"`
	Configuration struct {
		Severity string `json:"severity"`
	} `json:"configuration"`
	Result map[string]json.RawMessage `json:"result"`
}

// check reports the first required field that is missing.
func (p *splunkPayload) check() error {
	switch {
	case p.SID == "":
		return missing(splunkFormat, "sid")
	case p.SearchName == "":
		return missing(splunkFormat, "search_name")
	case p.Result == nil:
		return missing(splunkFormat, "result")
	}
	return nil
}

// severity returns the severity the search's result gives in its severity
// or urgency field, else the one the action's configuration gives, and
// that value as the source's.
func (p *splunkPayload) severity(r *splunkResult) (SeverityID, string) {
	source := cmp.Or(r.first("severity"), r.first("urgency"), p.Configuration.Severity)
	return splunkSeverity(source), source
}

// splunkSeverity maps a severity name, or Splunk's alert.severity number
// (1 debug, 2 info, 3 low, 4 medium, 5 high, 6 critical, as the alert
// editor labels them), to OCSF's.
func splunkSeverity(s string) SeverityID {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "2", "debug":
		return SeverityInformational
	case "3":
		return SeverityLow
	case "4":
		return SeverityMedium
	case "5":
		return SeverityHigh
	case "6":
		return SeverityCritical
	}
	return severityByName(s)
}

// time returns when the result's event happened, else when the scheduled
// search ran, else now: Splunk sends no time of its own.
func (p *splunkPayload) time(r *splunkResult) time.Time {
	// the event time, in epoch seconds as Splunk renders _time
	if s := r.first("_time"); s != "" {
		if t, ok := epochSeconds(s); ok {
			return t
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC()
		}
		r.fail("_time", "want epoch seconds or an RFC 3339 time, got "+quote(s))
	}

	// a scheduled search's sid says when it ran: ..._at_<epoch>_<n>;
	// an ad hoc one starts with it: <epoch>.<n>
	if _, after, ok := strings.Cut(p.SID, "_at_"); ok {
		if t, ok := epochSeconds(strings.Split(after, "_")[0]); ok {
			return t
		}
	}
	if t, ok := epochSeconds(strings.Split(p.SID, ".")[0]); ok {
		return t
	}
	return time.Now().UTC()
}

// splunkResult reads the fields of a result row. The first field of the
// wrong type is kept in err; reads after it return nothing.
type splunkResult struct {
	fields map[string]json.RawMessage
	err    error
}

// values returns the values of a result field: none if it is absent, one
// for a string, several for a multi-value field.
func (r *splunkResult) values(field string) []string {
	if r.err != nil {
		return nil
	}
	vals, ok := stringValues(r.fields[field])
	if !ok {
		r.fail(field, "want a string or an array of strings, got "+
			jsonType(r.fields[field]))
	}
	return vals
}

// first returns the first value of a result field, or "".
func (r *splunkResult) first(field string) string {
	return strList(r.values(field)).first()
}

// fail keeps the error for a result field, unless one is kept already.
func (r *splunkResult) fail(field, reason string) {
	if r.err == nil {
		r.err = &FieldError{Format: splunkFormat, Field: "result." + field, Reason: reason}
	}
}

// digest returns the first 16 hex digits of the SHA-256 of the result in
// a canonical form (keys sorted, white space removed), so the same result
// sent twice has the same digest.
func (r *splunkResult) digest() string {
	b, _ := json.Marshal(r.fields) // cannot fail: the values were decoded
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// splunkKind says what entity a result field names.
type splunkKind int

const (
	splunkUser      splunkKind = iota // a user name, UPN or email address
	splunkHost                        // a host name
	splunkIP                          // an IP address
	splunkAddr                        // an IP address or a host name
	splunkURL                         // a URL
	splunkDomain                      // a domain name
	splunkRecipient                   // an email recipient
	splunkMessage                     // an email Message-ID
)

// splunkFields lists the result fields read as entities, in the order
// their entities are listed: the Common Information Model's names
// (Authentication, Network Traffic, Web, Email), then Splunk's own host
// field, the host the event came from. File fields are read together, by
// addFiles.
var splunkFields = []struct {
	name string
	kind splunkKind
}{
	{"user", splunkUser}, {"src_user", splunkUser},
	{"src", splunkAddr}, {"src_ip", splunkIP}, {"src_host", splunkHost},
	{"dest", splunkAddr}, {"dest_ip", splunkIP}, {"dest_host", splunkHost},
	{"dvc", splunkAddr}, {"host", splunkHost},
	{"url", splunkURL}, {"url_domain", splunkDomain},
	{"recipient", splunkRecipient}, {"message_id", splunkMessage},
}

// entities returns the entities the result's fields name. Each has a
// "field" attribute naming the fields it came from.
func (r *splunkResult) entities() []Entity {
	var s entitySet
	for _, f := range splunkFields {
		for _, v := range r.values(f.name) {
			e := splunkEntity(f.kind, strings.TrimSpace(v))
			e.Attributes = withAttr(e.Attributes, "field", f.name)
			s.add(e)
			if f.kind == splunkRecipient {
				s.add(recipientUser(v))
			}
		}
	}
	r.addFiles(&s)
	return s.entities()
}

// splunkEntity returns the entity a value of kind names.
func splunkEntity(kind splunkKind, v string) Entity {
	switch kind {
	case splunkUser:
		return Entity{Type: EntityUser, Key: userKey(v), Name: v}
	case splunkHost:
		return Entity{Type: EntityHost, Key: hostKey(v), Name: v}
	case splunkIP:
		return Entity{Type: EntityIP, Key: ipKey(v)}
	case splunkAddr:
		if ip := ipKey(v); ip != "" {
			return Entity{Type: EntityIP, Key: ip}
		}
		return Entity{Type: EntityHost, Key: hostKey(v), Name: v}
	case splunkURL:
		return Entity{Type: EntityURL, Key: urlKey(v)}
	case splunkDomain:
		return Entity{Type: EntityDomain, Key: domainKey(v)}
	case splunkRecipient:
		return mailboxEntity(v, "", "recipient") // and its user: see entities
	case splunkMessage:
		return Entity{Type: EntityEmailMessage, Key: messageKey(v)}
	}
	return Entity{}
}

// addFiles adds a file for each hash in the result's CIM file_hash field
// or its md5, sha1 and sha256 fields, with the file_path and file_name
// fields.
func (r *splunkResult) addFiles(s *entitySet) {
	filePath, name := r.first("file_path"), r.first("file_name")
	for _, field := range []string{"file_hash", "sha256", "sha1", "md5"} {
		for _, h := range r.values(field) {
			e := hashedFile(filePath, name, h)
			e.Attributes = withAttr(e.Attributes, "field", field)
			s.add(e)
		}
	}
}
