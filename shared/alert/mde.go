package alert

import "cmp"

// mdeProduct names the product of the Defender for Endpoint alert API.
const mdeProduct = "Microsoft Defender for Endpoint"

// mdeAlert is the part of a Defender for Endpoint alert the parser reads,
// as the alert API (api.securitycenter.microsoft.com/api/alerts) returns
// it with $expand=evidence.
type mdeAlert struct {
	ID                string        `json:"id"`
	Title             string        `json:"title"`
	Description       string        `json:"description"`
	Severity          string        `json:"severity"`
	Category          string        `json:"category"`
	ThreatFamilyName  string        `json:"threatFamilyName"`
	ThreatName        string        `json:"threatName"`
	AlertCreationTime string        `json:"alertCreationTime"`
	LastUpdateTime    string        `json:"lastUpdateTime"`
	MachineID         string        `json:"machineId"`
	ComputerDNSName   string        `json:"computerDnsName"`
	RelatedUser       *mdeUser      `json:"relatedUser"`
	Evidence          []mdeEvidence `json:"evidence"`
}

type mdeUser struct {
	UserName   string `json:"userName"`
	DomainName string `json:"domainName"`
}

// mdeEvidence holds the fields of every evidence entity type the parser
// reads; EntityType says which apply.
type mdeEvidence struct {
	EntityType            string `json:"entityType"`
	SHA1                  string `json:"sha1"`
	SHA256                string `json:"sha256"`
	FileName              string `json:"fileName"`
	FilePath              string `json:"filePath"`
	ProcessID             int64  `json:"processId"`
	ProcessCommandLine    string `json:"processCommandLine"`
	ProcessCreationTime   string `json:"processCreationTime"`
	ParentProcessID       int64  `json:"parentProcessId"`
	ParentProcessFileName string `json:"parentProcessFileName"`
	IPAddress             string `json:"ipAddress"`
	URL                   string `json:"url"`
	AccountName           string `json:"accountName"`
	DomainName            string `json:"domainName"`
	UserSID               string `json:"userSid"`
	AADUserID             string `json:"aadUserId"`
	UserPrincipalName     string `json:"userPrincipalName"`
}

// parseMDEAlert returns the alert of a Defender for Endpoint alert.
func parseMDEAlert(item []byte) ([]Alert, error) {
	// decode the alert and read what every alert needs
	var m mdeAlert
	if err := decode(msGraphFormat, item, &m); err != nil {
		return nil, err
	}
	a, err := msAlert(m.ID, m.Title, m.Severity, m.LastUpdateTime,
		m.AlertCreationTime, "lastUpdateTime", "alertCreationTime")
	if err != nil {
		return nil, err
	}
	a.Description = m.Description
	a.Category = m.Category
	a.Product = mdeProduct

	// name the threats and the entities involved
	a.ThreatNames = appendNew(nil, m.ThreatFamilyName, m.ThreatName)
	a.Entities = m.entities()
	return []Alert{a}, nil
}

// entities returns the alert's machine, then its evidence in order, then
// the user it relates to.
func (m *mdeAlert) entities() []Entity {
	// the machine the alert is about
	var s entitySet
	host := hostKey(m.MachineID)
	s.add(Entity{Type: EntityHost, Key: host, Name: m.ComputerDNSName})

	// the evidence, its accounts known by UPN where any names one
	users := &accountIndex{}
	for i := range m.Evidence {
		users.learn(m.Evidence[i].account())
	}
	for i := range m.Evidence {
		m.Evidence[i].addTo(&s, users, m.MachineID)
	}
	if u := m.RelatedUser; u != nil {
		s.add(users.entity(graphAccount{AccountName: u.UserName,
			DomainName: u.DomainName}))
	}
	return s.entities()
}

// account returns the user account the evidence names.
func (e *mdeEvidence) account() graphAccount {
	return graphAccount{
		AccountName:       e.AccountName,
		DomainName:        e.DomainName,
		UserSID:           e.UserSID,
		AzureADUserID:     e.AADUserID,
		UserPrincipalName: e.UserPrincipalName,
	}
}

// addTo adds the entity of one piece of evidence, by its entity type.
// Registry evidence names nothing an investigation acts on and adds none.
func (e *mdeEvidence) addTo(s *entitySet, users *accountIndex, machine string) {
	switch e.EntityType {
	case "User":
		s.add(users.entity(e.account()))
	case "File":
		s.add(e.file(machine))
	case "Process":
		e.addProcess(s, users, machine)
	case "Ip":
		s.add(Entity{Type: EntityIP, Key: ipKey(e.IPAddress)})
	case "Url":
		s.add(Entity{Type: EntityURL, Key: urlKey(e.URL)})
	}
}

// file returns the evidence's file, keyed by its strongest hash.
func (e *mdeEvidence) file(machine string) Entity {
	path := joinFilePath(e.FilePath, e.FileName)
	f := fileEntity(cmp.Or(e.SHA256, e.SHA1), path, e.FileName)
	if hashAlgorithm(f.Key) != "sha1" {
		f.Attributes = withAttr(f.Attributes, "sha1", hashKey(e.SHA1))
	}
	f.Attributes = withAttr(f.Attributes, "host", hostKey(machine))
	return f
}

// addProcess adds the evidence's process, keyed as the Graph parser keys
// it, and its image file.
func (e *mdeEvidence) addProcess(s *entitySet, users *accountIndex, machine string) {
	s.add(Entity{
		Type: EntityProcess,
		Key: mdeProcessKey(machine, e.ProcessID, e.ProcessCreationTime,
			e.FileName),
		Name: e.FileName,
		Attributes: Attrs(
			"pid", positive(e.ProcessID),
			"parent_pid", positive(e.ParentProcessID),
			"cmd_line", e.ProcessCommandLine,
			"executable_path", joinFilePath(e.FilePath, e.FileName),
			"parent_name", e.ParentProcessFileName,
			"user", users.key(e.account()),
			"host", hostKey(machine),
		),
	})
	s.add(e.file(machine))
}
