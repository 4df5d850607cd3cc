package alert

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	csEpp    = "alerts-api-epp-ldt-ngav-quarantine"
	csIdp    = "alerts-api-idp-identity-verification-denied"
	csLegacy = "stream-detectionsummaryevent-ngav-pup"
	csEppEv  = "stream-eppdetectionsummaryevent-custom-ioa-blocked"
)

func TestParseCrowdStrikeAlertWrongFieldTypes(t *testing.T) {
	tests := []fieldCase{
		{csEpp, "composite_id", 1, ""},
		{csEpp, "display_name", 1, ""},
		{csEpp, "name", 1, ""},
		{csEpp, "description", 1, ""},
		{csEpp, "severity", "30", ""},
		{csEpp, "severity_name", 1, ""},
		{csEpp, "timestamp", 1737468022, ""},
		{csEpp, "created_timestamp", 1, ""},
		{csEpp, "tactic", 1, ""},
		{csEpp, "source_products", "Falcon Insight", ""},
		{csEpp, "device", "WKS-1175", ""},
		{csEpp, "device.device_id", 1, ""},
		{csEpp, "device.hostname", 1, ""},
		{csEpp, "device.local_ip", 1, ""},
		{csEpp, "device.external_ip", 1, ""},
		{csEpp, "device.mac_address", 1, ""},
		{csEpp, "device.machine_domain", 1, ""},
		{csEpp, "device.os_version", 1, ""},
		{csEpp, "user_name", 1, ""},
		{csEpp, "user_id", 1, ""},
		{csEpp, "logon_domain", 1, ""},
		{csEpp, "triggering_process_graph_id", 1, ""},
		{csEpp, "process_id", 499748687993, ""},
		{csEpp, "local_process_id", 17076, ""},
		{csEpp, "filename", 1, ""},
		{csEpp, "filepath", 1, ""},
		{csEpp, "cmdline", 1, ""},
		{csEpp, "sha256", 1, ""},
		{csEpp, "sha1", 1, ""},
		{csEpp, "md5", 1, ""},
		{csEpp, "parent_details", "explorer.exe", ""},
		{csEpp, "parent_details.process_graph_id", 1, ""},
		{csEpp, "grandparent_details.sha256", 1, ""},
		{csEpp, "quarantined_files", "x", ""},
		{csEpp, "quarantined_files[0].filename", 1, ""},
		{csEpp, "quarantined_files[0].sha256", 1, ""},
		{csEpp, "quarantined_files[0].state", 1, ""},
		{csEpp, "ioc_context[0].ioc_type", 1, ""},
		{csEpp, "ioc_context[0].ioc_value", 1, ""},
		{csIdp, "source_account_upn", 1, ""},
		{csIdp, "source_account_name", 1, ""},
		{csIdp, "source_account_domain", 1, ""},
		{csIdp, "source_account_object_sid", 1, ""},
		{csIdp, "source_account_sam_account_name", 1, ""},
		{csIdp, "source_account_azure_id", 1, ""},
		{csIdp, "source_endpoint_host_name", 1, ""},
		{csIdp, "source_endpoint_sensor_id", 1, ""},
		{csIdp, "source_endpoint_ip_address", 1, ""},
		{csIdp, "source_endpoint_address_ip4", 1, ""},
		{csIdp, "source_ip_isp_domain", 1, ""},
		{csIdp, "location_country_code", 1, ""},
		{csIdp, "target_endpoint_host_name", 1, ""},
		{csIdp, "target_endpoint_sensor_id", 1, ""},
		{csIdp, "target_domain_controller_host_name", 1, ""},
	}
	runFieldCases(t, "crowdstrike", tests)
}

func TestParseCrowdStrikeStreamWrongFieldTypes(t *testing.T) {
	tests := []fieldCase{
		{csLegacy, "metadata.eventType", 1, ""},
		{csLegacy, "metadata.eventCreationTime", "1739871045000", ""},
		{csLegacy, "event", "x", ""},
		{csLegacy, "event.DetectId", 1, ""},
		{csLegacy, "event.DetectName", 1, ""},
		{csLegacy, "event.DetectDescription", 1, ""},
		{csLegacy, "event.Severity", "2", ""},
		{csLegacy, "event.SeverityName", 1, ""},
		{csLegacy, "event.Tactic", 1, ""},
		{csLegacy, "event.ComputerName", 1, ""},
		{csLegacy, "event.SensorId", 1, ""},
		{csLegacy, "event.LocalIP", 1, ""},
		{csLegacy, "event.MACAddress", 1, ""},
		{csLegacy, "event.MachineDomain", 1, ""},
		{csLegacy, "event.UserName", 1, ""},
		{csLegacy, "event.ProcessId", "284715530122", ""},
		{csLegacy, "event.ParentProcessId", "1", ""},
		{csLegacy, "event.FileName", 1, ""},
		{csLegacy, "event.FilePath", 1, ""},
		{csLegacy, "event.CommandLine", 1, ""},
		{csLegacy, "event.SHA256String", 1, ""},
		{csLegacy, "event.SHA1String", 1, ""},
		{csLegacy, "event.MD5String", 1, ""},
		{csLegacy, "event.ParentImageFileName", 1, ""},
		{csLegacy, "event.ParentCommandLine", 1, ""},
		{csLegacy, "event.GrandparentImageFileName", 1, "event.GrandParentImageFileName"},
		{csLegacy, "event.IOCType", 1, ""},
		{csLegacy, "event.IOCValue", 1, ""},
		{csLegacy, "event.NetworkAccesses", "x", ""},
		{csLegacy, "event.NetworkAccesses[0].RemoteAddress", 1, ""},
		{csLegacy, "event.NetworkAccesses[0].RemotePort", "443", ""},
		{csEppEv, "event.CompositeId", 1, ""},
		{csEppEv, "event.Name", 1, ""},
		{csEppEv, "event.Description", 1, ""},
		{csEppEv, "event.Hostname", 1, ""},
		{csEppEv, "event.AgentId", 1, ""},
		{csEppEv, "event.LogonDomain", 1, ""},
		{csEppEv, "event.ParentImageFilePath", 1, ""},
		{csEppEv, "event.IOARuleName", 1, ""},
		{csEppEv, "event.SourceProducts", 1, ""},
	}
	runFieldCases(t, "crowdstrike", tests)

	// metadata and its keys are what a stream event is detected by
	runForcedFieldCases(t, "crowdstrike", []fieldCase{
		{csLegacy, "metadata", "x", ""},
		{csLegacy, "metadata.eventType", nil, ""},
		{csLegacy, "event", nil, ""},
	})
}

func TestParseCrowdStrikeMissingOrInvalidFields(t *testing.T) {
	tests := []fieldCase{
		{csEpp, "composite_id", "", ""},
		{csEpp, "name", nil, ""},
		{csEpp, "severity", nil, ""},
		{csEpp, "severity", 101, ""},
		{csEpp, "severity", -1, ""},
		{csEpp, "timestamp", "21/01/2025", ""},
		{csEpp, "timestamp", nil, "created_timestamp"},
		{csIdp, "created_timestamp", nil, "timestamp|both"},
		{csLegacy, "metadata.eventType", "AuthActivityAuditEvent", ""},
		{csLegacy, "metadata.eventCreationTime", nil, ""},
		{csLegacy, "metadata.eventCreationTime", -1, ""},
		{csLegacy, "event.DetectId", nil, ""},
		{csLegacy, "event.DetectName", "", ""},
		{csLegacy, "event.Severity", nil, ""},
		{csLegacy, "event.Severity", 0, ""},
		{csLegacy, "event.Severity", 6, ""},
		{csEppEv, "event.CompositeId", nil, ""},
		{csEppEv, "event.Name", nil, ""},
		{csEppEv, "event.Severity", 120, ""},
	}
	for i, tt := range tests {
		if tt.field == "created_timestamp" {
			// without timestamp, created_timestamp is read: break it too
			tests[i].path, tests[i].value = "timestamp", nil
		}
	}
	runCrowdStrikeCases(t, tests)
}

// runCrowdStrikeCases runs field cases, with two that need a second
// change: "created_timestamp" breaks created_timestamp once timestamp is
// gone; "timestamp|both" removes both times.
func runCrowdStrikeCases(t *testing.T, tests []fieldCase) {
	t.Helper()
	var plain []fieldCase
	for _, tt := range tests {
		switch tt.field {
		case "created_timestamp":
			doc := decodeSample(t, "crowdstrike", tt.sample)
			setPath(t, doc, "timestamp", nil)
			setPath(t, doc, "created_timestamp", "yesterday")
			checkFieldError(t, parseDoc(t, doc), "crowdstrike", "created_timestamp")
		case "timestamp|both":
			doc := decodeSample(t, "crowdstrike", tt.sample)
			setPath(t, doc, "timestamp", nil)
			setPath(t, doc, "created_timestamp", nil)
			checkFieldError(t, parseDoc(t, doc), "crowdstrike", "timestamp")
		default:
			plain = append(plain, tt)
		}
	}
	runFieldCases(t, "crowdstrike", plain)
}

// parseDoc parses a decoded sample as the payload, detecting its format,
// and returns the error.
func parseDoc(t *testing.T, doc any) error {
	t.Helper()
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(body, "")
	return err
}

func TestCrowdStrikeSeverityScales(t *testing.T) {
	tests := []struct {
		v    int
		name string
		want SeverityID
	}{
		{0, "", SeverityInformational}, {19, "", SeverityInformational},
		{30, "", SeverityLow}, {50, "", SeverityMedium}, {79, "", SeverityHigh},
		{80, "", SeverityCritical}, {100, "", SeverityCritical},
		{79, "Critical", SeverityCritical}, {30, "nonsense", SeverityLow},
	}
	for _, tt := range tests {
		got, err := csSeverity("severity", &tt.v, tt.name)
		if err != nil || got != tt.want {
			t.Errorf("%d %q: got %v, %v; want %v", tt.v, tt.name, got, err, tt.want)
		}
	}
	for v, want := range map[int]SeverityID{1: SeverityInformational, 3: SeverityMedium,
		5: SeverityCritical} {
		if got, err := csLegacySeverity("Severity", &v); err != nil || got != want {
			t.Errorf("legacy %d: got %v, %v; want %v", v, got, err, want)
		}
	}
}

func TestParseCrowdStrikeStreamAndAPINameOneProcess(t *testing.T) {
	// the stream's process and the API's triggering process share a key
	stream := parseOne(t, `{"metadata": {"customerIDString": "c", "offset": 1,
		"eventType": "EPPDetectionSummaryEvent", "eventCreationTime": 1741184522000},
		"event": {"CompositeId": "c:ind:a1:7-1-1", "Name": "n", "Severity": 50,
		"AgentId": "a1", "ProcessId": 7, "IOCType": "domain",
		"IOCValue": "c2[.]malicious[.]example"}}`)
	api := parseOne(t, `{"composite_id": "c:ind:a1:7-1-1", "cid": "c",
		"product": "epp", "name": "n", "severity": 50,
		"timestamp": "2025-03-05T14:22:02Z", "device": {"device_id": "a1"},
		"process_id": "7"}`)
	want := []string{"host:a1", "process:pid:a1:7", "domain:c2.malicious.example"}
	if diff := cmp.Diff(want, refs(stream.Entities)); diff != "" {
		t.Errorf("stream entities (-want +got):\n%s", diff)
	}
	want = []string{"host:a1", "process:pid:a1:7"}
	if diff := cmp.Diff(want, refs(api.Entities)); diff != "" {
		t.Errorf("API entities (-want +got):\n%s", diff)
	}
}
