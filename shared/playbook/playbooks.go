package playbook

import (
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Short names for the vocabulary the playbooks below are written in.
const (
	file    = alert.EntityFile
	host    = alert.EntityHost
	process = alert.EntityProcess
	user    = alert.EntityUser
	url     = alert.EntityURL
	domain  = alert.EntityDomain
	ip      = alert.EntityIP
	mailbox = alert.EntityMailbox
	message = alert.EntityEmailMessage
	key     = alert.EntityAccessKey
	cloud   = alert.EntityCloudResource

	malicious  = investigation.VerdictMalicious
	suspicious = investigation.VerdictSuspicious
)

// all is every step but GatherThreatInfo, which runs on every entity.
var all = []Step{DetermineOrigin, IdentifyAffected, HuntOtherInstances}

// hunt is HuntOtherInstances alone.
var hunt = []Step{HuntOtherInstances}

func steps(s ...Step) []Step { return s }

// Spreads every playbook shares: what a condemned file, URL, message, IP
// or key says of what it touches.
var common = []Spread{
	{file, "held_by", malicious, suspicious, "holds malicious file %s"},
	{file, "downloaded_from", malicious, suspicious, "served malicious file %s"},
	{file, "created_by", malicious, malicious, "wrote malicious file %s"},
	{file, "attached_to", malicious, malicious, "carries malicious attachment %s"},
	{process, "parent_process", malicious, suspicious, "started malicious process %s"},
	{url, "clicked_by", malicious, suspicious, "clicked malicious URL %s"},
	{url, "found_in", malicious, malicious, "contains malicious URL %s"},
	{url, "hosted_on", malicious, suspicious, "hosts malicious URL %s"},
	{domain, "resolved_by", malicious, suspicious, "resolved malicious domain %s"},
	{domain, "found_in", malicious, suspicious, "links to malicious domain %s"},
	{message, "clicked_by", malicious, suspicious, "clicked a link in malicious message %s"},
	{message, "same_url", malicious, malicious, "carries the URL of malicious message %s"},
	{message, "same_attachment", malicious, malicious,
		"carries the attachment of malicious message %s"},
	{message, "same_sender", malicious, suspicious,
		"comes from the sender of malicious message %s"},
	{message, "sent_by", malicious, suspicious, "sent malicious message %s"},
	{ip, "signed_in_as", malicious, suspicious, "signed in from malicious IP %s"},
	{ip, "used_key", malicious, suspicious, "was used from malicious IP %s"},
	{key, "owned_by", malicious, suspicious, "owns misused access key %s"},
	{key, "same_caller", malicious, suspicious, "was used from the IPs of misused key %s"},
}

// blocks are the network remedies every playbook shares: a suspicious
// URL, domain or IP is proposed too, and waits for a person.
var blocks = []Remedy{
	{Target: url, When: malicious, Action: investigation.ActionBlockURL},
	{Target: domain, When: malicious, Action: investigation.ActionBlockDomain},
	{Target: ip, When: malicious, Action: investigation.ActionBlockIP},
	{Target: url, When: suspicious, Action: investigation.ActionBlockURL},
	{Target: domain, When: suspicious, Action: investigation.ActionBlockDomain},
	{Target: ip, When: suspicious, Action: investigation.ActionBlockIP},
}

// quarantine removes a malicious file from each host that holds it.
var quarantine = Remedy{Target: file, When: malicious, Action: investigation.ActionQuarantineFile,
	ScopeKind: "held_by", ScopeAttr: "host", ScopeType: host}

// deleteEmail removes a malicious message from each mailbox it reached.
var deleteEmail = Remedy{Target: message, When: malicious, Action: investigation.ActionDeleteEmail,
	ScopeKind: "delivered_to", ScopeAttr: "mailbox", ScopeType: mailbox}

// takeBack are the remedies for an account someone else controls.
var takeBack = []Remedy{
	{Target: user, When: malicious, Action: investigation.ActionResetPassword},
	{Target: user, When: malicious, Action: investigation.ActionRevokeSessions},
	{Target: user, When: malicious, Action: investigation.ActionRequireMFA,
		Unless: [2]string{"mfa", "true"}},
	{Target: user, When: suspicious, Action: investigation.ActionRevokeSessions},
}

func init() {
	register(Playbook{
		Name: "malware",
		Description: "Malware on a host: the file, where it came from, the hosts and users " +
			"it reached, and the same file elsewhere",
		Steps: map[alert.EntityType][]Step{
			file: all, host: steps(IdentifyAffected), process: steps(DetermineOrigin),
		},
		Condemns: []alert.EntityType{file},
		Spreads:  common,
		Remedies: append([]Remedy{quarantine,
			{Target: host, When: malicious, Action: investigation.ActionIsolateHost},
			{Target: process, When: malicious, Action: investigation.ActionKillProcess},
		}, blocks...),
	})
	register(Playbook{
		Name: "phishing",
		Description: "A malicious email (phishing link or malicious attachment): the " +
			"sender, every mailbox it reached, who clicked, and the same campaign elsewhere",
		Steps: map[alert.EntityType][]Step{
			message: all, url: all,
			file: hunt,
		},
		Condemns: []alert.EntityType{message, url, file},
		Suspects: []alert.EntityType{message},
		Spreads:  common,
		Remedies: append([]Remedy{deleteEmail, quarantine,
			{Target: user, When: suspicious, Action: investigation.ActionRevokeSessions},
			{Target: user, When: malicious, Action: investigation.ActionResetPassword},
			{Target: user, When: malicious, Action: investigation.ActionRevokeSessions},
		}, blocks...),
	})
	register(Playbook{
		Name: "compromised_user",
		Description: "A compromised user account: its sign-ins and where they came from, " +
			"what it owns and touched, and the same source elsewhere",
		Steps: map[alert.EntityType][]Step{
			user: all, ip: hunt,
		},
		Suspects:    []alert.EntityType{user},
		Corroborate: map[alert.EntityType]int{user: 2},
		Spreads:     common,
		Remedies:    append(append([]Remedy{}, takeBack...), blocks...),
	})
	register(Playbook{
		Name: "url_click",
		Description: "A click on a malicious URL: the URL and its domain, the message " +
			"that carried it, who else clicked it or received it",
		Steps: map[alert.EntityType][]Step{
			url: all, domain: hunt,
			message: steps(DetermineOrigin, IdentifyAffected),
		},
		Condemns: []alert.EntityType{url},
		Suspects: []alert.EntityType{url},
		Spreads:  common,
		Remedies: append([]Remedy{deleteEmail,
			{Target: user, When: suspicious, Action: investigation.ActionRevokeSessions},
		}, blocks...),
	})
	register(Playbook{
		Name: "cloud_credential",
		Description: "An exposed or misused cloud credential (AWS access key): who owns " +
			"it, where it was used from, what it touched, and the same caller elsewhere",
		Steps: map[alert.EntityType][]Step{
			key:  all,
			user: steps(DetermineOrigin, IdentifyAffected), ip: hunt,
		},
		Condemns: []alert.EntityType{key},
		Suspects: []alert.EntityType{key},
		Spreads:  common,
		Remedies: append([]Remedy{
			{Target: key, When: malicious, Action: investigation.ActionDisableAccessKey},
			{Target: key, When: suspicious, Action: investigation.ActionDisableAccessKey},
			{Target: user, When: suspicious, Action: investigation.ActionRevokeSessions},
		}, blocks...),
	})
	register(Playbook{
		Name: General,
		Description: "What every entity gets: its reputation and what sources know of it, " +
			"and where else it appears",
		Steps: map[alert.EntityType][]Step{
			file: hunt, url: steps(DetermineOrigin, HuntOtherInstances), ip: hunt, key: hunt,
		},
		Condemns: []alert.EntityType{file, url, domain},
		Spreads:  common,
		Remedies: append([]Remedy{quarantine, deleteEmail,
			{Target: host, When: malicious, Action: investigation.ActionIsolateHost},
			{Target: process, When: malicious, Action: investigation.ActionKillProcess},
			{Target: key, When: malicious, Action: investigation.ActionDisableAccessKey},
			{Target: key, When: suspicious, Action: investigation.ActionDisableAccessKey},
			{Target: user, When: malicious, Action: investigation.ActionRevokeSessions},
		}, blocks...),
	})
}
