package alert

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// sentEntity holds the fields of every Sentinel entity kind the parser
// reads. The REST API names them in camel case inside an entity's
// properties; the SecurityAlert table's Entities column names them in
// Pascal case, some differently (Name for accountName, Value for
// hashValue), and refers to other entities by "$ref" where the REST API
// gives their ids. Go's decoder matches keys without regard to case, so
// one type reads both.
type sentEntity struct {
	Type string `json:"Type"` // the kind: host, account, Host, FileHash ...
	ID   string `json:"$id"`

	// host
	HostName       string `json:"hostName"`
	DNSDomain      string `json:"dnsDomain"`
	AzureID        string `json:"azureID"`
	OSFamily       string `json:"osFamily"`
	MdatpDeviceID  string `json:"MdatpDeviceId"`
	AdditionalData struct {
		MdatpDeviceID string `json:"MdatpDeviceId"`
		DeviceDNSName string `json:"DeviceDnsName"`
	} `json:"additionalData"`

	// account, and the name of files and cloud applications
	AccountName string `json:"accountName"`
	Name        string `json:"name"`
	NTDomain    string `json:"ntDomain"`
	UPNSuffix   string `json:"upnSuffix"`
	AADUserID   string `json:"aadUserId"`
	SID         string `json:"sid"`
	DisplayName string `json:"displayName"`

	// file and file hash
	Directory         string            `json:"directory"`
	FileName          string            `json:"fileName"`
	FileHashEntityIDs []string          `json:"fileHashEntityIds"`
	FileHashes        []json.RawMessage `json:"FileHashes"`
	HashValue         string            `json:"hashValue"`
	Value             string            `json:"Value"`

	// ip, url, dns, mailbox and mail message
	Address               string   `json:"address"`
	URL                   string   `json:"url"`
	DomainName            string   `json:"domainName"`
	MailboxPrimaryAddress string   `json:"mailboxPrimaryAddress"`
	UPN                   string   `json:"upn"`
	NetworkMessageID      string   `json:"networkMessageId"`
	InternetMessageID     string   `json:"internetMessageId"`
	Subject               string   `json:"subject"`
	Recipient             string   `json:"recipient"`
	P1Sender              string   `json:"p1Sender"`
	P2Sender              string   `json:"p2Sender"`
	SenderIP              string   `json:"senderIP"`
	URLs                  []string `json:"urls"`

	// process
	ProcessID         flexString      `json:"processId"`
	CommandLine       string          `json:"commandLine"`
	CreationTimeUTC   string          `json:"creationTimeUtc"`
	ImageFileEntityID string          `json:"imageFileEntityId"`
	HostEntityID      string          `json:"hostEntityId"`
	ImageFile         json.RawMessage `json:"ImageFile"`
	Host              json.RawMessage `json:"Host"`

	// Azure resource, cloud application and malware
	ResourceID   string     `json:"resourceId"`
	AppID        flexString `json:"appId"`
	InstanceName string     `json:"instanceName"`
	MalwareName  string     `json:"malwareName"`
}

// resolver returns the entity an id or "$ref" refers to, or nil.
type resolver func(id string) *sentEntity

// kind returns the entity's kind, lower-cased and without dashes, so that
// the REST API's "MailMessage" and the table's "mail-message" agree.
func (e *sentEntity) kind() string {
	return strings.ReplaceAll(strings.ToLower(e.Type), "-", "")
}

// addSentEntities adds entities in order, but not the file hashes of a
// file: those are the file's, which is keyed by the strongest of them.
func addSentEntities(s *entitySet, list []*sentEntity, ref resolver) {
	owned := map[string]bool{}
	for _, e := range list {
		if e.kind() == "file" {
			for _, id := range e.hashIDs() {
				owned[id] = true
			}
		}
	}
	for _, e := range list {
		if e.kind() == "filehash" && e.ID != "" && owned[e.ID] {
			continue
		}
		e.addTo(s, ref)
	}
}

// addTo adds the entity by its kind. Kinds that name nothing an
// investigation acts on (registry keys, security groups) add none.
func (e *sentEntity) addTo(s *entitySet, ref resolver) {
	switch e.kind() {
	case "host":
		s.add(e.host())
	case "account":
		s.add(e.account())
	case "ip":
		s.add(Entity{Type: EntityIP, Key: ipKey(e.Address)})
	case "url":
		s.add(Entity{Type: EntityURL, Key: urlKey(e.URL)})
	case "dns", "dnsresolution":
		s.add(Entity{Type: EntityDomain, Key: domainKey(e.DomainName)})
	case "file":
		s.add(e.file(ref))
	case "filehash":
		s.add(fileEntity(cmp.Or(e.HashValue, e.Value), "", ""))
	case "mailbox":
		s.add(Entity{Type: EntityMailbox, Key: userKey(e.MailboxPrimaryAddress),
			Name: e.DisplayName, Attributes: Attrs("upn", userKey(e.UPN))})
	case "mailmessage":
		e.addMessage(s)
	case "process":
		s.add(e.process(ref))
	case "azureresource":
		s.add(azureResource(e.ResourceID))
	case "cloudapplication":
		e.addCloudApp(s)
	}
}

// host returns a host keyed by its Defender device id, else its Azure
// resource id, else its DNS name.
func (e *sentEntity) host() Entity {
	fqdn := e.HostName
	if e.DNSDomain != "" && e.HostName != "" && !strings.Contains(e.HostName, ".") {
		fqdn = e.HostName + "." + e.DNSDomain
	}
	device := cmp.Or(e.MdatpDeviceID, e.AdditionalData.MdatpDeviceID)
	return Entity{
		Type: EntityHost,
		Key:  hostKey(cmp.Or(device, e.AzureID, fqdn)),
		Name: cmp.Or(e.AdditionalData.DeviceDNSName, fqdn),
		Attributes: Attrs(
			"hostname", e.HostName,
			"azure_resource_id", e.AzureID,
			"os_family", e.OSFamily,
		),
	}
}

// deviceID returns a host's Defender device id, or "".
func (e *sentEntity) deviceID() string {
	if e == nil {
		return ""
	}
	return cmp.Or(e.MdatpDeviceID, e.AdditionalData.MdatpDeviceID)
}

// account returns an account as a user keyed as the Graph parser keys one:
// by UPN, else Entra object id, else "domain\name", else SID.
func (e *sentEntity) account() Entity {
	name := cmp.Or(e.AccountName, e.Name)
	var upn string
	if name != "" && e.UPNSuffix != "" {
		upn = name + "@" + e.UPNSuffix
	}
	a := graphAccount{
		AccountName:       name,
		DomainName:        e.NTDomain,
		UserSID:           e.SID,
		AzureADUserID:     e.AADUserID,
		UserPrincipalName: upn,
		DisplayName:       e.DisplayName,
	}
	return (&accountIndex{}).entity(a)
}

// file returns a file keyed by the strongest of its hashes, which are
// entities of their own.
func (e *sentEntity) file(ref resolver) Entity {
	// the file's hashes, by the algorithm their length gives
	byAlg := map[string]string{}
	for _, id := range e.hashIDs() {
		if h := ref(id); h != nil {
			v := hashKey(cmp.Or(h.HashValue, h.Value))
			byAlg[hashAlgorithm(v)] = cmp.Or(byAlg[hashAlgorithm(v)], v)
		}
	}

	// keyed by the strongest, the others kept
	name := cmp.Or(e.FileName, e.Name)
	key := cmp.Or(byAlg["sha256"], byAlg["sha1"], byAlg["md5"])
	f := fileEntity(key, joinFilePath(e.Directory, name), name)
	for _, alg := range []string{"sha256", "sha1", "md5"} {
		f.Attributes = withAttr(f.Attributes, alg, byAlg[alg])
	}
	f.Attributes = withAttr(f.Attributes, "host", hostKey(e.deviceID()))
	return f
}

// hashIDs returns the ids of a file's hashes: the REST API's entity ids,
// or the table's "$id" or "$ref" of each.
func (e *sentEntity) hashIDs() []string {
	ids := slices.Clone(e.FileHashEntityIDs)
	for _, h := range e.FileHashes {
		ids = append(ids, refID(h))
	}
	return ids
}

// refID returns the "$ref" of a reference, else the "$id" of an object.
func refID(raw json.RawMessage) string {
	var r struct {
		Ref string `json:"$ref"`
		ID  string `json:"$id"`
	}
	if json.Unmarshal(raw, &r) != nil {
		return ""
	}
	return cmp.Or(r.Ref, r.ID)
}

// addMessage adds an email message, keyed by its network message id, its
// recipient's mailbox, its senders and their address, and its URLs.
func (e *sentEntity) addMessage(s *entitySet) {
	addEmailMessage(s, emailMessage{
		NetworkMessageID:  e.NetworkMessageID,
		InternetMessageID: e.InternetMessageID,
		Subject:           e.Subject,
		Recipient:         e.Recipient,
		SenderIP:          e.SenderIP,
		Senders:           [2]mailSender{{Address: e.P2Sender}, {Address: e.P1Sender}},
		URLs:              e.URLs,
	})
}

// process returns a process keyed as the Graph parser keys a Defender
// process: by its host's device id, its id and creation time.
func (e *sentEntity) process(ref resolver) Entity {
	host := ref(cmp.Or(e.HostEntityID, refID(e.Host)))
	var image sentEntity
	if img := ref(cmp.Or(e.ImageFileEntityID, refID(e.ImageFile))); img != nil {
		image = *img
	}
	name := cmp.Or(image.FileName, image.Name)
	pid := string(e.ProcessID)
	n, _ := strconv.ParseInt(pid, 10, 64)
	return Entity{
		Type: EntityProcess,
		Key:  mdeProcessKey(host.deviceID(), n, e.CreationTimeUTC, name),
		Name: name,
		Attributes: Attrs(
			"pid", pid,
			"cmd_line", e.CommandLine,
			"executable_path", joinFilePath(image.Directory, name),
			"host", hostKey(host.deviceID()),
		),
	}
}

// addCloudApp adds a Defender for Cloud Apps application, keyed as the
// Graph parser keys one.
func (e *sentEntity) addCloudApp(s *entitySet) {
	if e.AppID == "" {
		return
	}
	s.add(Entity{
		Type: EntityCloudResource,
		Key:  "cloudapp:" + strings.TrimSpace(string(e.AppID)),
		Name: e.Name,
		Attributes: Attrs(
			"resource_type", "cloudApplication",
			"instance_name", e.InstanceName,
		),
	})
}

// maxEntityDepth bounds how deep the parser looks for entities in the
// Entities column: entities nest three levels at most (an account's host,
// a file's hashes), and the column is a JSON document of its own that the
// payload's nesting limit does not bound.
const maxEntityDepth = 8

// rowEntities returns the entities of a SecurityAlert row's Entities
// column, given as a JSON array: every object with a Type, the nested
// ones included, top-level items in order and nested ones after their
// parent. The resolver finds them by "$id".
//
// The column is valid JSON, checked when the row was decoded. Only the
// entities themselves are decoded; the objects and arrays around them are
// split into their values in place (see jsonMembers), so that looking
// maxEntityDepth levels deep does not decode the column that many times.
func rowEntities(list json.RawMessage) ([]*sentEntity, resolver, error) {
	w := rowWalker{byID: map[string]*sentEntity{}}
	err := w.walk(list, 0)
	return w.all, func(id string) *sentEntity { return w.byID[id] }, err
}

// rowWalker collects the entities of an Entities column: see rowEntities.
type rowWalker struct {
	all  []*sentEntity
	byID map[string]*sentEntity // the first entity of each "$id"
}

// walk collects the entities in v, at depth in the column, and in what
// it holds.
func (w *rowWalker) walk(v []byte, depth int) error {
	if depth > maxEntityDepth || len(v) == 0 {
		return nil
	}
	if v[0] == '[' {
		for _, e := range jsonElements(v) {
			if err := w.walk(e, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	top, ok := jsonMembers(v)
	if !ok {
		return nil
	}
	if rawString(top["Type"]) != "" {
		if err := w.add(v); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(top)) {
		if err := w.walk(top[k], depth+1); err != nil {
			return err
		}
	}
	return nil
}

// add decodes the entity obj and collects it.
func (w *rowWalker) add(obj []byte) error {
	var e sentEntity
	if err := decodeAt("Entities.", obj, &e); err != nil {
		return err
	}
	w.all = append(w.all, &e)
	if e.ID != "" && w.byID[e.ID] == nil {
		w.byID[e.ID] = &e
	}
	return nil
}
