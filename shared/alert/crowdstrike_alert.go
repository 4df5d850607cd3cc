package alert

import (
	"cmp"
	"strconv"
	"time"
)

// csAlert is the part of an Alerts API v2 alert the parser reads. Endpoint
// ("epp") alerts name a device, a user and a process tree; identity
// ("idp") alerts a source account, source and target endpoints.
type csAlert struct {
	CompositeID      string   `json:"composite_id"`
	DisplayName      string   `json:"display_name"`
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	Severity         *int     `json:"severity"`
	SeverityName     string   `json:"severity_name"`
	Timestamp        string   `json:"timestamp"`
	CreatedTimestamp string   `json:"created_timestamp"`
	Tactic           string   `json:"tactic"`
	SourceProducts   []string `json:"source_products"`

	// endpoint alerts
	Device      csDevice `json:"device"`
	UserName    string   `json:"user_name"`
	UserID      string   `json:"user_id"`
	LogonDomain string   `json:"logon_domain"`

	ParentDetails      csProcess `json:"parent_details"`
	GrandparentDetails csProcess `json:"grandparent_details"`
	QuarantinedFiles   []struct {
		Filename string `json:"filename"`
		SHA256   string `json:"sha256"`
		State    string `json:"state"`
	} `json:"quarantined_files"`
	IOCContext []struct {
		IOCType  string `json:"ioc_type"`
		IOCValue string `json:"ioc_value"`
	} `json:"ioc_context"`

	// the triggering process, whose fields are at the top level, and an
	// identity alert's fields: each decoded apart, see parseCSAlert
	trigger  csProcess
	identity csIdentity
}

type csDevice struct {
	DeviceID      string `json:"device_id"`
	Hostname      string `json:"hostname"`
	LocalIP       string `json:"local_ip"`
	ExternalIP    string `json:"external_ip"`
	MACAddress    string `json:"mac_address"`
	MachineDomain string `json:"machine_domain"`
	OSVersion     string `json:"os_version"`
}

// csProcess is a process of an endpoint alert: the triggering process at
// the alert's top level, or its parent or grandparent details.
type csProcess struct {
	ProcessGraphID           string `json:"process_graph_id"`
	TriggeringProcessGraphID string `json:"triggering_process_graph_id"`
	ProcessID                string `json:"process_id"`
	LocalProcessID           string `json:"local_process_id"`
	Filename                 string `json:"filename"`
	Filepath                 string `json:"filepath"`
	Cmdline                  string `json:"cmdline"`
	SHA256                   string `json:"sha256"`
	SHA1                     string `json:"sha1"`
	MD5                      string `json:"md5"`
}

type csIdentity struct {
	SourceAccountUPN       string `json:"source_account_upn"`
	SourceAccountName      string `json:"source_account_name"`
	SourceAccountDomain    string `json:"source_account_domain"`
	SourceAccountSID       string `json:"source_account_object_sid"`
	SourceAccountSAM       string `json:"source_account_sam_account_name"`
	SourceAccountAzureID   string `json:"source_account_azure_id"`
	SourceEndpointHost     string `json:"source_endpoint_host_name"`
	SourceEndpointSensorID string `json:"source_endpoint_sensor_id"`
	SourceEndpointIP       string `json:"source_endpoint_ip_address"`
	SourceEndpointIP4      string `json:"source_endpoint_address_ip4"`
	SourceIPISPDomain      string `json:"source_ip_isp_domain"`
	LocationCountryCode    string `json:"location_country_code"`
	TargetEndpointHost     string `json:"target_endpoint_host_name"`
	TargetEndpointSensorID string `json:"target_endpoint_sensor_id"`
	TargetDCHost           string `json:"target_domain_controller_host_name"`
}

// parseCSAlert parses an Alerts API v2 alert.
func parseCSAlert(item []byte) ([]Alert, error) {
	// the alert's own fields, then those of its process and identity
	// parts, each decoded from the top level so errors name their fields
	var ca csAlert
	for _, v := range []any{&ca, &ca.trigger, &ca.identity} {
		if err := decode(crowdStrikeFormat, item, v); err != nil {
			return nil, err
		}
	}
	a, err := ca.alert()
	if err != nil {
		return nil, err
	}
	a.Entities = ca.entities()
	return []Alert{a}, nil
}

// alert returns the alert without entities.
func (ca *csAlert) alert() (Alert, error) {
	// the alert's identity and severity
	if ca.CompositeID == "" {
		return Alert{}, missing(crowdStrikeFormat, "composite_id")
	}
	title := cmp.Or(ca.DisplayName, ca.Name)
	if title == "" {
		return Alert{}, missing(crowdStrikeFormat, "name")
	}
	sev, err := csSeverity("severity", ca.Severity, ca.SeverityName)
	if err != nil {
		return Alert{}, err
	}

	// when it was detected, else when Falcon created the alert
	t, err := ca.time()
	if err != nil {
		return Alert{}, err
	}
	a := Alert{
		Format:         crowdStrikeFormat,
		SourceAlertID:  ca.CompositeID,
		Title:          title,
		Description:    ca.Description,
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: strconv.Itoa(*ca.Severity),
		Time:           t,
		Product:        crowdStrikeProduct,
		Category:       ca.Tactic,
	}
	if len(ca.SourceProducts) > 0 && ca.SourceProducts[0] != "" {
		a.Product = ca.SourceProducts[0]
	}
	return a, nil
}

// time returns the alert's timestamp, else its creation time.
func (ca *csAlert) time() (time.Time, error) {
	if ca.Timestamp != "" {
		return parseTime(crowdStrikeFormat, "timestamp", ca.Timestamp)
	}
	if ca.CreatedTimestamp != "" {
		return parseTime(crowdStrikeFormat, "created_timestamp", ca.CreatedTimestamp)
	}
	return time.Time{}, missing(crowdStrikeFormat, "timestamp")
}

// entities returns an endpoint alert's device, user, processes and files,
// then an identity alert's account, endpoints and source address.
func (ca *csAlert) entities() []Entity {
	var s entitySet
	ca.addEndpoint(&s)
	ca.addIdentity(&s)
	return s.entities()
}

// addEndpoint adds the device, the user, the process tree and the files an
// endpoint alert names.
func (ca *csAlert) addEndpoint(s *entitySet) {
	// the device, keyed by its Falcon device id, and the user
	d := &ca.Device
	host := hostKey(cmp.Or(d.DeviceID, d.Hostname))
	s.add(Entity{
		Type: EntityHost,
		Key:  host,
		Name: d.Hostname,
		Attributes: Attrs(
			"local_ip", ipKey(d.LocalIP),
			"external_ip", ipKey(d.ExternalIP),
			"mac", d.MACAddress,
			"domain", d.MachineDomain,
			"os", d.OSVersion,
		),
	})
	if ca.identity.SourceAccountUPN == "" && ca.identity.SourceAccountName == "" {
		// an identity alert's user_name is its source account, added
		// with more to say by addIdentity
		s.add(Entity{Type: EntityUser, Key: userKey(ca.UserName), Name: ca.UserName,
			Attributes: Attrs("sid", ca.UserID, "domain", ca.LogonDomain)})
	}

	// the triggering process and its ancestors; only the triggering
	// process's file is an entity: its ancestors' images are the system's
	// own (explorer.exe, userinit.exe), and keying them would join every
	// alert on the host into one investigation
	p := &ca.trigger
	parentKey := ca.ParentDetails.key(d.DeviceID)
	s.add(p.entity(d.DeviceID, host, parentKey))
	s.add(ca.ParentDetails.entity(d.DeviceID, host,
		ca.GrandparentDetails.key(d.DeviceID)))
	s.add(ca.GrandparentDetails.entity(d.DeviceID, host, ""))
	exe := hashedFile(p.Filepath, p.Filename, p.SHA256, p.SHA1, p.MD5)
	exe.Attributes = withAttr(exe.Attributes, "host", host)
	s.add(exe)

	// what Falcon quarantined and the indicators that matched
	for _, q := range ca.QuarantinedFiles {
		f := hashedFile(q.Filename, "", q.SHA256)
		f.Attributes = withAttr(f.Attributes, "quarantine", q.State)
		s.add(f)
	}
	for _, ioc := range ca.IOCContext {
		s.add(csIOC(ioc.IOCType, ioc.IOCValue))
	}
}

// key returns the process's graph id, or one built from its process id.
func (p *csProcess) key(deviceID string) string {
	return cmp.Or(p.ProcessGraphID, p.TriggeringProcessGraphID,
		csProcessKey(deviceID, p.ProcessID))
}

// entity returns the process, with its image's hash as an attribute.
func (p *csProcess) entity(deviceID, host, parent string) Entity {
	return Entity{
		Type: EntityProcess,
		Key:  p.key(deviceID),
		Name: p.Filename,
		Attributes: Attrs(
			"pid", p.LocalProcessID,
			"cmd_line", p.Cmdline,
			"executable_path", p.Filepath,
			"sha256", hashKey(p.SHA256),
			"parent", parent,
			"host", host,
		),
	}
}

// addIdentity adds the account, the endpoints and the source address of
// an identity alert.
func (ca *csAlert) addIdentity(s *entitySet) {
	id := &ca.identity
	s.add(Entity{
		Type: EntityUser,
		Key:  userKey(cmp.Or(id.SourceAccountUPN, id.SourceAccountName)),
		Name: id.SourceAccountName,
		Attributes: Attrs(
			"upn", id.SourceAccountUPN,
			"sid", id.SourceAccountSID,
			"sam_account_name", id.SourceAccountSAM,
			"entra_object_id", id.SourceAccountAzureID,
			"domain", id.SourceAccountDomain,
		),
	})
	ip := ipKey(cmp.Or(id.SourceEndpointIP, id.SourceEndpointIP4))
	s.add(csEndpoint(id.SourceEndpointSensorID, id.SourceEndpointHost, "source", ip))
	s.add(csEndpoint(id.TargetEndpointSensorID, id.TargetEndpointHost, "target", ""))
	s.add(csEndpoint("", id.TargetDCHost, "domain_controller", ""))
	s.add(Entity{Type: EntityIP, Key: ip, Attributes: Attrs(
		"isp_domain", id.SourceIPISPDomain,
		"country", id.LocationCountryCode,
	)})
}

// csEndpoint returns an endpoint of an identity alert as a host, keyed by
// its Falcon sensor id else its name, with the role it played.
func csEndpoint(sensorID, name, role, ip string) Entity {
	return Entity{
		Type:       EntityHost,
		Key:        hostKey(cmp.Or(sensorID, name)),
		Name:       name,
		Attributes: Attrs("role", role, "ip", ip),
	}
}
