package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files from the parser's output")

// samplesDir holds the real payloads, one folder per format.
const samplesDir = "../../events/alerts"

// sample is a payload file of a supported format.
type sample struct {
	format, name, path string
}

// samples returns every payload file of every supported format.
func samples(t testing.TB) []sample {
	t.Helper()
	var all []sample
	for _, format := range Formats() {
		paths, err := filepath.Glob(filepath.Join(samplesDir, format, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) == 0 {
			t.Fatalf("no samples for format %s in %s", format, samplesDir)
		}
		for _, p := range paths {
			name := strings.TrimSuffix(filepath.Base(p), ".json")
			all = append(all, sample{format: format, name: name, path: p})
		}
	}
	return all
}

// readSample returns a sample file's bytes.
func readSample(t testing.TB, format, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir, format, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSamplesMatchGolden(t *testing.T) {
	for _, s := range samples(t) {
		t.Run(s.format+"/"+s.name, func(t *testing.T) {
			// parse the payload as received, detecting its format
			body, err := os.ReadFile(s.path)
			if err != nil {
				t.Fatal(err)
			}
			items, err := ParseEach(body, "")
			if err != nil {
				t.Fatalf("ParseEach: got error %v, want none", err)
			}

			// Raw is the item, Time is UTC; neither is in the golden file
			var got []Alert
			for _, it := range items {
				if it.Err != nil {
					t.Fatalf("item %d (%s): got error %v, want none", it.Index,
						it.Path, it.Err)
				}
				for _, a := range it.Alerts {
					checkRawAndTime(t, a, rawAt(t, body, it.Path))
					a.Raw = nil
					got = append(got, a)
				}
			}

			// compare with the reviewed golden file
			golden := filepath.Join("testdata", "golden", s.format, s.name+".json")
			if *update {
				writeGolden(t, golden, got)
			}
			var want []Alert
			readGolden(t, golden, &want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// rawAt returns the exact bytes of the value at an Item's path in body,
// such as "value[0]" or "[1].detail.findings[0]".
func rawAt(t *testing.T, body []byte, path string) []byte {
	t.Helper()
	cur := json.RawMessage(bytes.TrimSpace(body))
	for _, step := range pathSteps(path) {
		if step == "" {
			continue
		}
		if n, err := strconv.Atoi(step); err == nil {
			var elems []json.RawMessage
			if err := json.Unmarshal(cur, &elems); err != nil || n >= len(elems) {
				t.Fatalf("path %s: no element %d", path, n)
			}
			cur = elems[n]
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(cur, &obj); err != nil || obj[step] == nil {
			t.Fatalf("path %s: no key %s", path, step)
		}
		cur = obj[step]
	}
	return cur
}

// checkRawAndTime checks that a sample's alert keeps its payload item as
// Raw and is timed in UTC.
func checkRawAndTime(t *testing.T, a Alert, body []byte) {
	t.Helper()
	if !bytes.Equal(a.Raw, body) {
		t.Errorf("Raw: got %d bytes, want the %d bytes of the payload item",
			len(a.Raw), len(body))
	}
	if a.Time.Location() != time.UTC {
		t.Errorf("Time location: got %v, want UTC", a.Time.Location())
	}
}

func writeGolden(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readGolden(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode golden file %s: %v", path, err)
	}
}

func TestDetectSamplesAsTheirFormat(t *testing.T) {
	for _, s := range samples(t) {
		t.Run(s.format+"/"+s.name, func(t *testing.T) {
			body := readSample(t, s.format, s.name)
			got, err := Detect(body)
			if err != nil || got != s.format {
				t.Fatalf("Detect: got %q, %v; want %q, nil", got, err, s.format)
			}

			// no other parser may claim it, whatever the registry's order
			var top map[string]json.RawMessage
			if err := json.Unmarshal(body, &top); err != nil {
				t.Fatal(err)
			}
			for _, p := range parsers {
				if p.Name() != s.format && p.Detect(top) {
					t.Errorf("parser %s also claims the sample", p.Name())
				}
			}
		})
	}
}

func TestParseForcedFormat(t *testing.T) {
	gd := readSample(t, "guardduty", "recon-iamuser-maliciousipcaller-custom")
	oc := readSample(t, "ocsf", "detection-finding-2004-prowler-iam-user-no-mfa")
	tests := []struct {
		name      string
		body      []byte
		format    string
		wantField string // "" means no error
	}{
		{"guardduty as guardduty", gd, "guardduty", ""},
		{"ocsf as ocsf", oc, "ocsf", ""},
		{"ocsf as guardduty", oc, "guardduty", "id"},
		{"guardduty as ocsf", gd, "ocsf", "class_uid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alerts, err := Parse(tt.body, tt.format)
			if tt.wantField == "" {
				if err != nil || len(alerts) != 1 || alerts[0].Format != tt.format {
					t.Fatalf("got %d alerts, %v; want one %s alert", len(alerts), err,
						tt.format)
				}
				return
			}
			checkFieldError(t, err, tt.format, tt.wantField)
		})
	}
}

// checkFieldError checks that err is a *FieldError of format naming field.
func checkFieldError(t *testing.T, err error, format, field string) {
	t.Helper()
	fe, ok := errors.AsType[*FieldError](err)
	if !ok {
		t.Fatalf("got error %v, want a *FieldError", err)
	}
	if fe.Format != format || fe.Field != field {
		t.Errorf("got FieldError{%q, %q, %q}, want format %q, field %q",
			fe.Format, fe.Field, fe.Reason, format, field)
	}
}

func TestParseUnknownFormatListsFormats(t *testing.T) {
	body := readSample(t, "guardduty", "recon-iamuser-maliciousipcaller-custom")
	_, err := Parse(body, "qradar")
	ufe, ok := errors.AsType[*UnknownFormatError](err)
	if !ok {
		t.Fatalf("got error %v, want an *UnknownFormatError", err)
	}
	if ufe.Format != "qradar" {
		t.Errorf("Format: got %q, want %q", ufe.Format, "qradar")
	}
	want := `unknown alert format "qradar" (supported: ` +
		strings.Join(Formats(), ", ") + ")"
	if got := err.Error(); got != want {
		t.Errorf("message: got %q, want %q", got, want)
	}
}

func TestParseUnrecognizedPayloadListsFormats(t *testing.T) {
	for _, body := range []string{`{"hello": "world"}`, `[[1]]`, `[null, 42]`} {
		_, err := Parse([]byte(body), "")
		ufe, ok := errors.AsType[*UnknownFormatError](err)
		if !ok || ufe.Format != "" {
			t.Errorf("%s: got error %v, want an *UnknownFormatError without format",
				body, err)
			continue
		}
		want := "(supported: " + strings.Join(Formats(), ", ") + ")"
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got message %q, want it to list the formats", body, err)
		}
	}
}

func TestFormatsSortedAndParseable(t *testing.T) {
	// every parser's name, once, sorted
	got := Formats()
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Errorf("Formats: got %v, want sorted names, each once", got)
	}
	for _, want := range []string{"guardduty", "msgraph", "ocsf", "securityhub",
		"sentinel"} {
		if !slices.Contains(got, want) {
			t.Errorf("Formats: got %v, want it to hold %s", got, want)
		}
	}

	// each a format Parse knows
	for _, f := range got {
		if _, err := Parse([]byte(`{}`), f); errors.As(err, new(*UnknownFormatError)) {
			t.Errorf("Parse with format %q: got %v, want the format known", f, err)
		}
	}
}

func TestParseBadInputGivesClearError(t *testing.T) {
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	deepObj := `{"class_uid":2004,"metadata":{},"x":` +
		strings.Repeat(`{"a":`, 20_000) + "1" + strings.Repeat("}", 20_000) + "}"
	tests := []struct {
		name string
		body string
		want error // a sentinel, or a sample of the error's type
	}{
		{"empty", "", ErrEmpty},
		{"white space", " \n\t ", ErrEmpty},
		{"empty array", "[ ]", ErrEmpty},
		{"not JSON", "hello", ErrNotJSON},
		{"truncated object", `{"source": "aws.guardduty"`, ErrNotJSON},
		{"trailing garbage", `{} {}`, ErrNotJSON},
		{"byte order mark", "\ufeff{}", ErrNotJSON},
		{"deep nesting", deep, ErrNotJSON},
		{"deep nesting inside", deepObj, ErrNotJSON},
		{"array of junk", `[1, "two", null, {}]`, &UnknownFormatError{}},
		{"object of junk", `{"a": [1, 2, {"b": null}]}`, &UnknownFormatError{}},
		{"string", `"guardduty"`, ErrNotObject},
		{"null", `null`, ErrNotObject},
		{"number", `42`, ErrNotObject},
		{"list response whose value is no array", `{"@odata.context": "x", "value": 7}`,
			ErrNotObject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alerts, err := Parse([]byte(tt.body), "")
			if alerts != nil {
				t.Errorf("got %d alerts, want none", len(alerts))
			}
			checkErrorKind(t, err, tt.want)
		})
	}
}

// checkErrorKind checks that err matches want: errors.Is for a sentinel,
// errors.As for an error type.
func checkErrorKind(t *testing.T, err, want error) {
	t.Helper()
	if err == nil || err.Error() == "" {
		t.Fatalf("got error %v, want %T", err, want)
	}
	switch want.(type) {
	case *UnknownFormatError:
		if !errors.As(err, new(*UnknownFormatError)) {
			t.Errorf("got error %v, want an *UnknownFormatError", err)
		}
	case *FieldError:
		if !errors.As(err, new(*FieldError)) {
			t.Errorf("got error %v, want a *FieldError", err)
		}
	default:
		if !errors.Is(err, want) {
			t.Errorf("got error %v, want %v", err, want)
		}
	}
}

func TestParseNotJSONWrapsSyntaxError(t *testing.T) {
	_, err := Parse([]byte(`{"a": tru}`), "")
	var se *json.SyntaxError
	if !errors.Is(err, ErrNotJSON) || !errors.As(err, &se) {
		t.Fatalf("got error %v, want ErrNotJSON wrapping a *json.SyntaxError", err)
	}
	if se.Offset != 10 {
		t.Errorf("Offset: got %d, want 10", se.Offset)
	}
}

func TestParseArrayGivesOneAlertPerItem(t *testing.T) {
	// two findings in one array, with odd white space between them
	a := readSample(t, "guardduty", "recon-iamuser-maliciousipcaller-custom")
	b := readSample(t, "guardduty", "pentest-s3-parrotlinux")
	body := []byte("[\n" + string(bytes.TrimSpace(a)) + " ,\n\t" +
		string(bytes.TrimSpace(b)) + "]\n")
	alerts, err := Parse(body, "")
	if err != nil {
		t.Fatalf("Parse: got error %v", err)
	}

	// each alert keeps its own item as Raw
	if len(alerts) != 2 {
		t.Fatalf("got %d alerts, want 2", len(alerts))
	}
	for i, want := range [][]byte{a, b} {
		if !bytes.Equal(alerts[i].Raw, bytes.TrimSpace(want)) {
			t.Errorf("alert %d: Raw is not its item", i)
		}
	}
}

func TestParseArrayItemErrorNamesItem(t *testing.T) {
	a := readSample(t, "ocsf", "detection-finding-2004-prowler-iam-user-no-mfa")
	body := []byte("[" + string(a) + `, {"class_uid": 2004}]`)
	_, err := Parse(body, "")
	checkFieldError(t, err, "ocsf", "finding_info")
	if !strings.HasPrefix(err.Error(), "alert: item 1: ") {
		t.Errorf("message: got %q, want it to start with %q", err, "alert: item 1: ")
	}
}

func TestParseRawDoesNotAliasBody(t *testing.T) {
	body := readSample(t, "ocsf", "security-finding-2001-securityhub-fsbp-control")
	want := bytes.Clone(bytes.TrimSpace(body))
	alerts, err := Parse(body, "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = ' '
	}
	if !bytes.Equal(alerts[0].Raw, want) {
		t.Errorf("Raw changed with the caller's buffer, want a copy")
	}
}

// fieldCase replaces the value at path in a sample and expects a
// *FieldError naming field.
type fieldCase struct {
	sample string
	path   string // dotted, with [i] for array elements
	value  any
	field  string // "" means path without array indices
}

// GuardDuty samples, shortened.
const (
	gdIAM     = "recon-iamuser-maliciousipcaller-custom"
	gdDNS     = "cryptocurrency-ec2-bitcointool-b-dns"
	gdS3      = "pentest-s3-parrotlinux"
	gdRuntime = "runtime-privesc-dockersocketaccessed"
	gdMalware = "execution-ec2-maliciousfile-ebs-scan"
)

func TestParseGuardDutyWrongFieldTypes(t *testing.T) {
	const scan = "detail.service.ebsVolumeScanDetails.scanDetections." +
		"threatDetectedByName.threatNames[0]"
	const proc = "detail.service.runtimeDetails.process"
	const inst = "detail.resource.instanceDetails"
	const call = "detail.service.action.awsApiCallAction.remoteIpDetails"
	tests := []fieldCase{
		{gdIAM, "detail", "finding", ""},
		{gdIAM, "detail.id", 42, ""},
		{gdIAM, "detail.type", true, ""},
		{gdIAM, "detail.title", 1, ""},
		{gdIAM, "detail.description", []int{1}, ""},
		{gdIAM, "detail.severity", "5", ""},
		{gdIAM, "detail.severity", map[string]int{"a": 1}, ""},
		{gdIAM, "detail.createdAt", 1717424567, ""},
		{gdIAM, "detail.updatedAt", 1717424567, ""},
		{gdIAM, "detail.accountId", 123456789012, ""},
		{gdIAM, "detail.region", 1, ""},
		{gdIAM, "detail.partition", 1, ""},
		{gdIAM, "detail.resource", "AccessKey", ""},
		{gdIAM, "detail.resource.resourceType", 1, ""},
		{gdIAM, "detail.resource.accessKeyDetails", "AKIA", ""},
		{gdIAM, "detail.resource.accessKeyDetails.accessKeyId", 1, ""},
		{gdIAM, "detail.resource.accessKeyDetails.principalId", 1, ""},
		{gdIAM, "detail.resource.accessKeyDetails.userType", 1, ""},
		{gdIAM, "detail.resource.accessKeyDetails.userName", 1, ""},
		{gdIAM, "detail.service", []int{}, ""},
		{gdIAM, "detail.service.action", "x", ""},
		{gdIAM, call, "198.51.100.77", ""},
		{gdIAM, call + ".ipAddressV4", 3325256781, ""},
		{gdIAM, call + ".organization.asn", 64500, ""},
		{gdIAM, call + ".organization.asnOrg", 1, ""},
		{gdIAM, call + ".organization.isp", 1, ""},
		{gdIAM, call + ".organization.org", 1, ""},
		{gdIAM, call + ".country.countryName", 1, ""},
		{gdIAM, call + ".city.cityName", 1, ""},
		{gdIAM, "detail.service.evidence.threatIntelligenceDetails", "x", ""},
		{gdIAM, "detail.service.evidence.threatIntelligenceDetails[0].threatNames",
			"KnownScanner", ""},
		{gdDNS, inst + ".instanceId", 1, ""},
		{gdDNS, inst + ".instanceType", 1, ""},
		{gdDNS, inst + ".networkInterfaces", "eni", ""},
		{gdDNS, inst + ".networkInterfaces[0].privateIpAddress", 1, ""},
		{gdDNS, inst + ".networkInterfaces[0].privateIpAddresses[0].privateIpAddress",
			1, ""},
		{gdDNS, inst + ".networkInterfaces[0].publicIp", 1, ""},
		{gdDNS, inst + ".networkInterfaces[0].ipv6Addresses", "::1", ""},
		{gdDNS, inst + ".tags", map[string]string{"Name": "x"}, ""},
		{gdDNS, inst + ".tags[0].key", 1, ""},
		{gdDNS, inst + ".tags[0].value", 1, ""},
		{gdDNS, "detail.service.action.dnsRequestAction.domain", 1, ""},
		{gdS3, "detail.resource.s3BucketDetails", "bucket", ""},
		{gdS3, "detail.resource.s3BucketDetails[0].arn", 1, ""},
		{gdS3, "detail.resource.s3BucketDetails[0].name", 1, ""},
		{gdRuntime, "detail.resource.containerDetails.id", 1, ""},
		{gdRuntime, "detail.resource.containerDetails.name", 1, ""},
		{gdRuntime, "detail.resource.containerDetails.image", 1, ""},
		{gdRuntime, "detail.resource.containerDetails.containerRuntime", 1, ""},
		{gdRuntime, proc, "curl", ""},
		{gdRuntime, proc + ".name", 1, ""},
		{gdRuntime, proc + ".executablePath", 1, ""},
		{gdRuntime, proc + ".executableSha256", 1, ""},
		{gdRuntime, proc + ".pid", "2345", ""},
		{gdRuntime, proc + ".pid", 2345.5, ""},
		{gdRuntime, proc + ".pid", json.Number("1e30"), ""},
		{gdRuntime, proc + ".uuid", 1, ""},
		{gdRuntime, proc + ".user", 1001, ""},
		{gdRuntime, proc + ".pwd", 1, ""},
		{gdRuntime, proc + ".lineage", "bash", ""},
		{gdRuntime, proc + ".lineage[0].name", 1, ""},
		{gdMalware, "detail.resource.ebsVolumeDetails.scannedVolumeDetails[0].volumeArn",
			1, ""},
		{gdMalware, "detail.resource.ebsVolumeDetails.scannedVolumeDetails[0].deviceName",
			1, ""},
		{gdMalware,
			"detail.resource.ebsVolumeDetails.scannedVolumeDetails[0].snapshotArn", 1, ""},
		{gdMalware, scan + ".name", 1, ""},
		{gdMalware, scan + ".filePaths", "x", ""},
		{gdMalware, scan + ".filePaths[1].filePath", 1, ""},
		{gdMalware, scan + ".filePaths[1].hash", 1, ""},
		{gdMalware, scan + ".filePaths[1].fileName", 1, ""},
	}
	runFieldCases(t, "guardduty", tests)
}

func TestParseGuardDutyMissingOrInvalidFields(t *testing.T) {
	tests := []fieldCase{
		{gdIAM, "detail.id", nil, ""},
		{gdIAM, "detail.id", "", ""},
		{gdIAM, "detail.type", nil, ""},
		{gdIAM, "detail.severity", nil, ""},
		{gdIAM, "detail.severity", 0.5, ""},
		{gdIAM, "detail.severity", 10.1, ""},
		{gdIAM, "detail.severity", -8, ""},
		{gdIAM, "detail.severity", json.Number("1e400"), ""},
		{gdIAM, "detail.severity", json.Number(strings.Repeat("9", 500)), ""},
		{gdIAM, "detail.updatedAt", "yesterday", ""},
		{gdIAM, "detail.updatedAt", "2024-06-03 14:22:47", ""},
		{gdIAM, "detail.updatedAt", "2024-13-03T14:22:47Z", ""},
		{gdIAM, "detail.updatedAt", nil, "detail.createdAt|keep"},
	}
	runFieldCases(t, "guardduty", tests)
}

func TestParseOCSFWrongFieldTypes(t *testing.T) {
	const prowler = "detection-finding-2004-prowler-iam-user-no-mfa"
	const hub = "security-finding-2001-securityhub-fsbp-control"
	tests := []fieldCase{
		{prowler, "class_uid", 2004.5, ""},
		{prowler, "severity_id", "4", ""},
		{prowler, "severity_id", json.Number("1e30"), ""},
		{prowler, "severity", 4, ""},
		{prowler, "time_dt", 1741345542, ""},
		{prowler, "message", 1, ""},
		{prowler, "metadata.product", "Prowler", ""},
		{prowler, "metadata.product.name", 1, ""},
		{prowler, "metadata.product.vendor_name", 1, ""},
		{prowler, "finding_info", []string{}, ""},
		{prowler, "finding_info.uid", 1, ""},
		{prowler, "finding_info.title", 1, ""},
		{prowler, "finding_info.desc", 1, ""},
		{prowler, "finding_info.types", "x", ""},
		{prowler, "finding_info.types[0]", 1, ""},
		{prowler, "resources", map[string]string{}, ""},
		{prowler, "resources[0].uid", 1, ""},
		{prowler, "resources[0].type", 1, ""},
		{prowler, "resources[0].name", 1, ""},
		{prowler, "resources[0].region", 1, ""},
		{prowler, "observables", "x", ""},
		{prowler, "evidences", "x", ""},
		{prowler, "malware", "x", ""},
		{hub, "finding", "x", ""},
		{hub, "finding.uid", 1, ""},
		{hub, "time", "1741178112300", ""},
		{hub, "time", true, ""},
	}
	runFieldCases(t, "ocsf", tests)
}

func TestParseOCSFMissingOrInvalidFields(t *testing.T) {
	const prowler = "detection-finding-2004-prowler-iam-user-no-mfa"
	const hub = "security-finding-2001-securityhub-fsbp-control"
	tests := []fieldCase{
		{prowler, "class_uid", 2002, ""},
		{prowler, "finding_info", nil, ""},
		{prowler, "finding_info.uid", nil, ""},
		{prowler, "severity_id", nil, ""},
		{prowler, "severity_id", 7, ""},
		{prowler, "severity_id", -1, ""},
		{prowler, "time_dt", "07/03/2025", ""},
		{hub, "finding", nil, ""},
		{hub, "finding.title", nil, "finding.title|drop message"},
		{hub, "time", nil, ""},
		{hub, "time", 0, ""},
		{hub, "time", -1741178112300, ""},
		{hub, "time", json.Number("1e300"), ""},
		{hub, "time", json.Number("253402300800000"), ""},
	}
	runFieldCases(t, "ocsf", tests)
}

// runFieldCases runs each case through Parse, detecting the format, and
// checks its *FieldError. A field of "path|keep" keeps the sample's other
// time; "path|drop message" also removes message.
func runFieldCases(t *testing.T, format string, tests []fieldCase) {
	t.Helper()
	for _, tt := range tests {
		name := tt.sample + ":" + tt.path + "=" + valueName(tt.value)
		t.Run(name, func(t *testing.T) {
			// break the sample
			doc := decodeSample(t, format, tt.sample)
			setPath(t, doc, tt.path, tt.value)
			field, extra, _ := strings.Cut(tt.field, "|")
			switch extra {
			case "keep":
				setPath(t, doc, "detail.createdAt", "not a time")
			case "drop message":
				delete(doc.(map[string]any), "message")
			}
			body, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}

			// expect the field to be named
			if field == "" {
				field = stripIndices(tt.path)
			}
			_, err = Parse(body, "")
			checkFieldError(t, err, format, field)
		})
	}
}

func valueName(v any) string {
	if v == nil {
		return "null"
	}
	b, _ := json.Marshal(v)
	return clip(string(b))
}

func decodeSample(t *testing.T, format, name string) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(readSample(t, format, name)))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// setPath sets the value at a dotted path such as "a.b[0].c" in doc;
// nil deletes an object key.
func setPath(t *testing.T, doc any, path string, v any) {
	t.Helper()
	steps := pathSteps(path)
	cur := doc
	for i, step := range steps {
		last := i == len(steps)-1
		switch node := cur.(type) {
		case map[string]any:
			if last {
				if v == nil {
					delete(node, step)
				} else {
					node[step] = v
				}
				return
			}
			cur = node[step]
		case []any:
			n, err := strconv.Atoi(step)
			if err != nil || n >= len(node) {
				t.Fatalf("path %s: bad index %s", path, step)
			}
			if last {
				node[n] = v
				return
			}
			cur = node[n]
		default:
			t.Fatalf("path %s: no container at %s", path, step)
		}
	}
}

// pathSteps splits "a.b[0].c" into a, b, 0, c.
func pathSteps(path string) []string {
	path = strings.ReplaceAll(path, "[", ".")
	path = strings.ReplaceAll(path, "]", "")
	return strings.Split(path, ".")
}

// stripIndices removes "[i]" from a path, as FieldError.Field does.
func stripIndices(path string) string {
	var b strings.Builder
	skip := false
	for _, c := range path {
		switch {
		case c == '[':
			skip = true
		case c == ']':
			skip = false
		case !skip:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func TestFieldErrorMessages(t *testing.T) {
	tests := []struct {
		body, format, want string
	}{
		{`{"detail": {"type": "x"}}`, "guardduty", "guardduty alert: detail.id: missing"},
		{`{"class_uid": 2004, "metadata": {}, "severity_id": "High"}`, "",
			"ocsf alert: severity_id: want an integer, got string"},
		{`{"class_uid": 2004, "metadata": {}, "severity_id": 1.5}`, "",
			"ocsf alert: severity_id: want an integer, got number 1.5"},
		{`[1]`, "ocsf", "alert: item 0: ocsf alert: want an object, got number"},
		{`{"detail": {"id": "a", "type": "t", "severity": "8"}}`, "guardduty",
			"guardduty alert: detail.severity: want a number, got string"},
		{`{"detail": {"id": "a", "type": "t", "severity": 8, "updatedAt": "now"}}`,
			"guardduty", `guardduty alert: detail.updatedAt: want an RFC 3339 time, ` +
				`got "now"`},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.body), tt.format)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%s): got error %v, want %q", tt.body, err, tt.want)
		}
	}
}

func TestErrorMessagesClipLongValues(t *testing.T) {
	long := strings.Repeat("x", 10_000)
	_, err := Parse([]byte(`{}`), long)
	formats := len(strings.Join(Formats(), ", ")) // the message lists them
	if err == nil || len(err.Error())-formats > 200 {
		t.Errorf("got a %d-byte message, want under 200 and the %d of the formats",
			len(err.Error()), formats)
	}
	body := `{"detail": {"id": "a", "type": "t", "severity": 8, "updatedAt": "` +
		long + `"}}`
	_, err = Parse([]byte(body), "guardduty")
	if err == nil || len(err.Error()) > 200 {
		t.Errorf("got a %d-byte message, want under 200", len(err.Error()))
	}
}

func BenchmarkParse(b *testing.B) {
	benchmarks := []struct{ format, sample string }{
		{"guardduty", gdMalware},
		{"ocsf", "detection-finding-2004-prowler-iam-user-no-mfa"},
		{"splunk", splunkCustom},
		{"wazuh", wazuhFIM},
		{"crowdstrike", csEpp},
		{"elastic", esHit},
		{"entra", entraGraph},
		{"okta", oktaSpray},
		{"googleworkspace", gwPhish},
		{"proofpoint", ppDelivered},
		{"generic", genericFull},
	}
	for _, bm := range benchmarks {
		body := readSample(b, bm.format, bm.sample)
		b.Run(bm.format, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := Parse(body, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// replaceOnce replaces the one occurrence of old in s, failing the test
// when there is none.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("no %q to replace", old)
	}
	return strings.Replace(s, old, new, 1)
}
