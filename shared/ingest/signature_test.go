package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"alert":1}`)
	ts := strconv.FormatInt(now.Unix(), 10)
	srcs := Sources{"demo": "s3cret"}
	tests := []struct {
		name        string
		headers     map[string]string
		wantSource  string
		wantMissing bool
		wantErr     bool
	}{
		{"valid", map[string]string{HeaderSource: "demo", HeaderTimestamp: ts,
			HeaderSignature: Sign("s3cret", ts, body)}, "demo", false, false},
		{"no headers", map[string]string{}, "", true, true},
		{"no signature", map[string]string{HeaderSource: "demo", HeaderTimestamp: ts}, "",
			true, true},
		{"unknown source", map[string]string{HeaderSource: "other", HeaderTimestamp: ts,
			HeaderSignature: Sign("s3cret", ts, body)}, "", false, true},
		{"wrong secret", map[string]string{HeaderSource: "demo", HeaderTimestamp: ts,
			HeaderSignature: Sign("guess", ts, body)}, "", false, true},
		{"signature without version", map[string]string{HeaderSource: "demo",
			HeaderTimestamp: ts, HeaderSignature: strings.TrimPrefix(Sign("s3cret", ts, body),
				"v1=")}, "", false, true},
		{"timestamp not a number", map[string]string{HeaderSource: "demo",
			HeaderTimestamp: "yesterday", HeaderSignature: Sign("s3cret", "yesterday", body)},
			"", false, true},
		{"six minutes old", signedHeaders(now.Add(-6*time.Minute), body), "", false, true},
		{"six minutes ahead", signedHeaders(now.Add(6*time.Minute), body), "", false, true},
		{"four minutes old", signedHeaders(now.Add(-4*time.Minute), body), "demo", false, false},
		{"timestamp with a sign", map[string]string{HeaderSource: "demo",
			HeaderTimestamp: "+" + ts, HeaderSignature: Sign("s3cret", "+"+ts, body)},
			"", false, true},
		{"milliseconds", map[string]string{HeaderSource: "demo", HeaderTimestamp: ts + "000",
			HeaderSignature: Sign("s3cret", ts+"000", body)}, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := srcs.Verify(func(k string) string { return tt.headers[k] }, body, now)
			var ae *AuthError
			if (err != nil) != tt.wantErr || src != tt.wantSource {
				t.Fatalf("Verify = %q, %v; want %q, error %v", src, err, tt.wantSource, tt.wantErr)
			}
			if err != nil && (!errors.As(err, &ae) || ae.Missing != tt.wantMissing) {
				t.Errorf("error %#v, want an *AuthError with Missing %v", err, tt.wantMissing)
			}
		})
	}
}

func TestMissingCredentialsSayWhichHeaderIsMissing(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	headers := map[string]string{HeaderSource: "demo",
		HeaderTimestamp: strconv.FormatInt(now.Unix(), 10)}
	_, err := Sources{"demo": "s3cret"}.Verify(func(k string) string { return headers[k] },
		nil, now)
	want := "missing credentials: no " + HeaderSignature + "; send "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Verify = %v, want a reason starting %q", err, want)
	}
}

func TestStaleTimestampSaysWhichWay(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		at   int64
		want string
	}{
		{now.Unix() - 400, "400 seconds old"},
		{now.Unix() + 400, "400 seconds in the future"},
		{99_999_999_999_999, "in the future"},
	}
	for _, tt := range tests {
		err := checkTimestamp(strconv.FormatInt(tt.at, 10), now)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("checkTimestamp(%d) = %v, want it to say %q", tt.at, err, tt.want)
		}
	}
}

func signedHeaders(at time.Time, body []byte) map[string]string {
	ts := strconv.FormatInt(at.Unix(), 10)
	return map[string]string{HeaderSource: "demo", HeaderTimestamp: ts,
		HeaderSignature: Sign("s3cret", ts, body)}
}

func TestSignMatchesTheDocumentedConstruction(t *testing.T) {
	// computed apart from this code, with Python's hmac module:
	// hmac.new(b"s3cret", b"1700000000.{}", hashlib.sha256).hexdigest()
	const want = "v1=97926816e98fbb41ccb1673225ff29a2f35369099990e1b1561651e7bd097ebf"
	if got := Sign("s3cret", "1700000000", []byte("{}")); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	var buf bytes.Buffer
	s := Secret("hunter2")
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "secret", s, "sources", Sources{"a": s},
		"map", map[string]Secret{"a": s})
	json.NewEncoder(&buf).Encode(map[string]Secret{"a": s})
	fmt.Fprint(&buf, s, fmt.Sprintf("%v %s", s, s))
	if strings.Contains(buf.String(), "hunter2") {
		t.Errorf("the secret leaked: %s", buf.String())
	}
}
