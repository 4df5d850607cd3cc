package alert

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Microsoft Graph samples, shortened.
const (
	mgMDE    = "alerts-v2-mde-suspicious-hidden-file"
	mgLegacy = "mde-legacy-api-alert-with-evidence"
	mgMDO    = "mdo-graph-alert-user-reported-phish-with-url"
)

func TestParseMSGraphWrongFieldTypes(t *testing.T) {
	const dev = "evidence[0]."
	const file = "evidence[1].fileDetails."
	const proc = "evidence[2]."
	const msg = "evidence[1]."
	const leg = "value[0]."
	tests := []fieldCase{
		{mgMDE, "id", 1, ""},
		{mgMDE, "title", true, ""},
		{mgMDE, "description", 1, ""},
		{mgMDE, "severity", 1, ""},
		{mgMDE, "category", 1, ""},
		{mgMDE, "serviceSource", 1, ""},
		{mgMDE, "createdDateTime", 1, ""},
		{mgMDE, "lastUpdateDateTime", 1, ""},
		{mgMDE, "threatDisplayName", 1, ""},
		{mgMDE, "threatFamilyName", 1, ""},
		{mgMDE, "evidence", "x", ""},
		{mgMDE, "evidence[0]", "x", "evidence"},
		{mgMDE, dev + "verdict", 1, ""},
		{mgMDE, dev + "mdeDeviceId", 1, ""},
		{mgMDE, dev + "azureAdDeviceId", 1, ""},
		{mgMDE, dev + "deviceDnsName", 1, ""},
		{mgMDE, dev + "osPlatform", 1, ""},
		{mgMDE, dev + "ipInterfaces", "192.0.2.31", ""},
		{mgMDE, dev + "ipInterfaces[0]", 1, ""},
		{mgMDE, dev + "loggedOnUsers", "x", ""},
		{mgMDE, dev + "loggedOnUsers[0].accountName", 1, ""},
		{mgMDE, dev + "loggedOnUsers[0].domainName", 1, ""},
		{mgMDE, dev + "vmMetadata", "x", ""},
		{mgMDE, dev + "vmMetadata.resourceId", 1, ""},
		{mgMDE, file + "fileName", 1, ""},
		{mgMDE, file + "filePath", 1, ""},
		{mgMDE, file + "sha256", 1, ""},
		{mgMDE, file + "sha1", 1, ""},
		{mgMDE, "evidence[1].fileDetails", "x", ""},
		{mgMDE, proc + "processId", "4780", ""},
		{mgMDE, proc + "processId", 4780.5, ""},
		{mgMDE, proc + "parentProcessId", "6612", ""},
		{mgMDE, proc + "processCommandLine", 1, ""},
		{mgMDE, proc + "processCreationDateTime", 1, ""},
		{mgMDE, proc + "imageFile", "x", ""},
		{mgMDE, proc + "parentProcessImageFile.fileName", 1, ""},
		{mgMDE, proc + "userAccount", "x", ""},
		{mgMDE, proc + "userAccount.accountName", 1, ""},
		{mgMDE, proc + "userAccount.domainName", 1, ""},
		{mgMDE, proc + "userAccount.userSid", 1, ""},
		{mgMDE, proc + "userAccount.azureAdUserId", 1, ""},
		{mgMDE, proc + "userAccount.userPrincipalName", 1, ""},
		{mgMDE, proc + "userAccount.displayName", 1, ""},
		{mgMDO, "productName", 1, ""},
		{mgMDO, "evidence[0].primaryAddress", 1, ""},
		{mgMDO, "evidence[0].displayName", 1, ""},
		{mgMDO, msg + "networkMessageId", 1, ""},
		{mgMDO, msg + "internetMessageId", 1, ""},
		{mgMDO, msg + "subject", 1, ""},
		{mgMDO, msg + "senderIp", 1, ""},
		{mgMDO, msg + "recipientEmailAddress", 1, ""},
		{mgMDO, msg + "antiSpamDirection", 1, ""},
		{mgMDO, msg + "deliveryAction", 1, ""},
		{mgMDO, msg + "deliveryLocation", 1, ""},
		{mgMDO, msg + "urls", "https://x.example", ""},
		{mgMDO, msg + "urls[0]", 1, ""},
		{mgMDO, msg + "p1Sender", "x", ""},
		{mgMDO, msg + "p1Sender.emailAddress", 1, ""},
		{mgMDO, msg + "p2Sender.displayName", 1, ""},
		{mgMDO, msg + "p2Sender.domainName", 1, ""},
		{mgMDO, "evidence[2].url", 1, ""},
		{mgLegacy, leg + "id", 1, "value.id"},
		{mgLegacy, leg + "title", 1, "value.title"},
		{mgLegacy, leg + "severity", 1, "value.severity"},
		{mgLegacy, leg + "alertCreationTime", 1, "value.alertCreationTime"},
		{mgLegacy, leg + "lastUpdateTime", 1, "value.lastUpdateTime"},
		{mgLegacy, leg + "machineId", 1, "value.machineId"},
		{mgLegacy, leg + "computerDnsName", 1, "value.computerDnsName"},
		{mgLegacy, leg + "threatFamilyName", 1, "value.threatFamilyName"},
		{mgLegacy, leg + "threatName", 1, "value.threatName"},
		{mgLegacy, leg + "relatedUser", "x", "value.relatedUser"},
		{mgLegacy, leg + "relatedUser.userName", 1, "value.relatedUser.userName"},
		{mgLegacy, leg + "relatedUser.domainName", 1, "value.relatedUser.domainName"},
		{mgLegacy, leg + "evidence", "x", "value.evidence"},
		{mgLegacy, leg + "evidence[0].entityType", 1, "value.evidence.entityType"},
		{mgLegacy, leg + "evidence[1].sha1", 1, "value.evidence.sha1"},
		{mgLegacy, leg + "evidence[1].sha256", 1, "value.evidence.sha256"},
		{mgLegacy, leg + "evidence[1].fileName", 1, "value.evidence.fileName"},
		{mgLegacy, leg + "evidence[1].filePath", 1, "value.evidence.filePath"},
		{mgLegacy, leg + "evidence[1].processId", "1", "value.evidence.processId"},
		{mgLegacy, leg + "evidence[1].processCommandLine", 1,
			"value.evidence.processCommandLine"},
		{mgLegacy, leg + "evidence[1].processCreationTime", 1,
			"value.evidence.processCreationTime"},
		{mgLegacy, leg + "evidence[1].parentProcessId", "1",
			"value.evidence.parentProcessId"},
		{mgLegacy, leg + "evidence[1].parentProcessFileName", 1,
			"value.evidence.parentProcessFileName"},
		{mgLegacy, leg + "evidence[0].accountName", 1, "value.evidence.accountName"},
		{mgLegacy, leg + "evidence[0].domainName", 1, "value.evidence.domainName"},
		{mgLegacy, leg + "evidence[0].userSid", 1, "value.evidence.userSid"},
		{mgLegacy, leg + "evidence[0].aadUserId", 1, "value.evidence.aadUserId"},
		{mgLegacy, leg + "evidence[0].userPrincipalName", 1,
			"value.evidence.userPrincipalName"},
		{mgLegacy, leg + "evidence[0].ipAddress", 1, "value.evidence.ipAddress"},
		{mgLegacy, leg + "evidence[0].url", 1, "value.evidence.url"},
	}
	runFieldCases(t, "msgraph", tests)

	// evidence types the samples lack
	for _, tt := range []struct{ evidence, field string }{
		{`{"@odata.type": 1}`, "evidence.@odata.type"},
		{`{"ipAddress": 1}`, "evidence.ipAddress"},
		{`{"countryLetterCode": 1}`, "evidence.countryLetterCode"},
		{`{"appId": {}}`, "evidence.appId"},
		{`{"appId": true}`, "evidence.appId"},
		{`{"instanceName": 1}`, "evidence.instanceName"},
		{`{"publisher": 1}`, "evidence.publisher"},
		{`{"resourceId": 1}`, "evidence.resourceId"},
		{`{"resourceName": 1}`, "evidence.resourceName"},
		{`{"resourceType": 1}`, "evidence.resourceType"},
		{`{"amazonResourceId": 1}`, "evidence.amazonResourceId"},
		{`{"amazonAccountId": 1}`, "evidence.amazonAccountId"},
		{`{"fileDetails": {"md5": 1}}`, "evidence.fileDetails.md5"},
	} {
		_, err := Parse(graphAlertJSON("high", tt.evidence), "")
		checkFieldError(t, err, "msgraph", tt.field)
	}
}

func TestParseMSGraphMissingOrInvalidFields(t *testing.T) {
	const leg = "value[0]."
	tests := []fieldCase{
		{mgMDE, "id", nil, ""},
		{mgMDE, "title", "", ""},
		{mgMDE, "severity", nil, ""},
		{mgMDE, "severity", "severe", ""},
		{mgMDE, "lastUpdateDateTime", "26/04/2024", ""},
		{mgLegacy, leg + "severity", "Sev1", "value.severity"},
		{mgLegacy, leg + "lastUpdateTime", "x", "value.lastUpdateTime"},
	}
	runFieldCases(t, "msgraph", tests)

	// an OData type other than an alert's, or of the wrong type
	for _, tt := range []struct{ body, field string }{
		{`{"@odata.type": "#microsoft.graph.security.alert", "id": 1}`, "id"},
		{`{"@odata.type": 1, "providerAlertId": "p", "serviceSource": "s"}`,
			"@odata.type"},
		{`{"@odata.type": "#microsoft.graph.security.incident"}`, "alerts"},
		{`{"@odata.type": "#microsoft.graph.security.incident", "alerts": []}`,
			"alerts"},
	} {
		_, err := Parse([]byte(tt.body), "")
		checkFieldError(t, err, "msgraph", tt.field)
	}
	_, err := Parse([]byte(`{"@odata.type": "#microsoft.graph.user"}`), "msgraph")
	checkFieldError(t, err, "msgraph", "@odata.type")

	// the creation time stands in for the update's, and one is needed
	body := graphAlertJSON("low", `{}`)
	for _, tt := range []struct{ old, new, field string }{
		{`"lastUpdateDateTime": "2024-04-26T09:19:01Z"`, `"x": 1`, ""},
		{`"createdDateTime": "2024-04-26T07:49:27Z"`, `"y": 2`, "createdDateTime"},
	} {
		body = []byte(replaceOnce(t, string(body), tt.old, tt.new))
		_, err := Parse(body, "")
		if tt.field == "" {
			if err != nil {
				t.Errorf("without lastUpdateDateTime: got %v, want none", err)
			}
			continue
		}
		checkFieldError(t, err, "msgraph", tt.field)
	}
}

func TestMSSeverity(t *testing.T) {
	tests := []struct {
		in   string
		want SeverityID
	}{
		{"informational", SeverityInformational},
		{"Informational", SeverityInformational},
		{"low", SeverityLow},
		{"Medium", SeverityMedium},
		{"HIGH", SeverityHigh},
		{"unknown", SeverityUnknown},
		{"UnSpecified", SeverityUnknown},
		{"unknownFutureValue", SeverityUnknown},
	}
	for _, tt := range tests {
		got, err := msSeverity("msgraph", "severity", tt.in)
		if err != nil || got != tt.want {
			t.Errorf("msSeverity(%q): got %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// graphAlertJSON returns a Graph alert of a list response, which has no
// @odata.type, with one piece of evidence of the given fields.
func graphAlertJSON(severity, evidence string) []byte {
	return []byte(`{"id": "a1", "providerAlertId": "p1", "title": "t",
		"serviceSource": "microsoftDefenderForCloudApps", "severity": "` + severity + `",
		"createdDateTime": "2024-04-26T07:49:27Z",
		"lastUpdateDateTime": "2024-04-26T09:19:01Z",
		"evidence": [` + evidence + `]}`)
}

func TestParseMSGraphEvidenceTypes(t *testing.T) {
	const p = `"@odata.type": "#microsoft.graph.security.`
	body := graphAlertJSON("medium", `
		{`+p+`ipEvidence", "ipAddress": "::ffff:203.0.113.5", "countryLetterCode": "NL"},
		{`+p+`urlEvidence", "url": "HTTPS://Evil.Example/a"},
		{`+p+`cloudApplicationEvidence", "appId": 11161, "displayName": "Office 365"},
		{`+p+`oauthApplicationEvidence", "appId": "0f1e2d3c", "displayName": "Mailer"},
		{`+p+`azureResourceEvidence", "resourceId": "/subscriptions/s/x",
			"resourceName": "x"},
		{`+p+`amazonResourceEvidence", "amazonResourceId": "arn:aws:s3:::b",
			"amazonAccountId": "111122223333", "resourceName": "b"},
		{`+p+`registryKeyEvidence", "registryKey": "HKLM\\Run"},
		{`+p+`userEvidence", "userAccount": {"accountName": "sam", "domainName": "CORP"}},
		{`+p+`userEvidence", "userAccount": {"azureAdUserId": "AB-12",
			"accountName": "kim"}},
		{`+p+`fileEvidence", "fileDetails": {"md5": "44D88612FEA8A8F36DE82E1278ABB02F",
			"fileName": "e.com", "filePath": "/tmp/e.com"}}`)
	alerts, err := Parse(body, "")
	if err != nil {
		t.Fatal(err)
	}
	got := refs(alerts[0].Entities)
	want := []string{
		"ip:203.0.113.5",
		"url:https://evil.example/a",
		"cloud_resource:cloudapp:11161",
		"cloud_resource:0f1e2d3c",
		"cloud_resource:/subscriptions/s/x",
		"cloud_resource:arn:aws:s3:::b",
		`user:corp\sam`,
		"user:ab-12",
		"file:44d88612fea8a8f36de82e1278abb02f",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	if a := alerts[0]; a.Product != "Microsoft Defender for Cloud Apps" {
		t.Errorf("Product: got %q, want it named from serviceSource", a.Product)
	}
	if path := alerts[0].Entities[8].Attributes["path"]; path != "/tmp/e.com" {
		t.Errorf("path: got %q, want /tmp/e.com, not doubled", path)
	}
}

func TestParseMSGraphIncidentSplitsAlerts(t *testing.T) {
	alert := string(graphAlertJSON("high", ""))
	body := []byte(`{"@odata.type": "#microsoft.graph.security.incident",
		"id": "29", "alerts": [` + alert + `, {"id": "a2"}]}`)
	items, err := ParseEach(body, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Err != nil || items[0].Path != "alerts[0]" {
		t.Fatalf("got %+v, want two items, the first alerts[0] parsed", items)
	}
	checkFieldError(t, items[1].Err, "msgraph", "alerts.title")
}

func TestMDEProcessKeyNormalizesTime(t *testing.T) {
	// the two APIs write the same creation time differently
	a := mdeProcessKey("dev", 7, "2024-01-26T21:31:32.9581596+01:00", "x.exe")
	b := mdeProcessKey("dev", 7, "2024-01-26T20:31:32.9581596Z", "x.exe")
	if a != b || a != "dev:7:2024-01-26T20:31:32.9581596Z" {
		t.Errorf("got %q and %q, want both dev:7:2024-01-26T20:31:32.9581596Z", a, b)
	}
	if got := mdeProcessKey("", 7, "2024-01-26T20:31:32Z", "x.exe"); got != "x.exe" {
		t.Errorf("without a device: got %q, want the image name", got)
	}
}

func TestJoinFilePath(t *testing.T) {
	tests := []struct{ dir, name, want string }{
		{`C:\Windows`, "explorer.exe", `C:\Windows\explorer.exe`},
		{`C:\Windows\`, "explorer.exe", `C:\Windows\explorer.exe`},
		{"/home/adoe", "eicar.com", "/home/adoe/eicar.com"},
		{"/home/adoe/eicar.com", "eicar.com", "/home/adoe/eicar.com"},
		{"", "eicar.com", "eicar.com"},
		{"/tmp", "", "/tmp"},
	}
	for _, tt := range tests {
		if got := joinFilePath(tt.dir, tt.name); got != tt.want {
			t.Errorf("joinFilePath(%q, %q): got %q, want %q", tt.dir, tt.name, got,
				tt.want)
		}
	}
}
