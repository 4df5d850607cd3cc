package tenant

import "time"

// Snapshot is a whole tenant as events/tenant/tenant.json describes it:
// its machines, its directory, its mail and its cloud principals.
// ReadSnapshot returns one whose keys are canonical (see alert.Key).
//
// The leaf types (File, Process, SignIn, Message, Click, AccessKey,
// Activity) are also the bodies of the tenant's items in the table, hence
// their dynamodbav tags.
type Snapshot struct {
	Hosts      []Host      `json:"hosts"`
	Users      []User      `json:"users"`
	Mailboxes  []Mailbox   `json:"mailboxes,omitempty"`
	Clicks     []Click     `json:"clicks,omitempty"`
	Principals []Principal `json:"principals,omitempty"`
}

// Host is a machine: a cloud instance or a managed device. ID is the key
// alerts use for it (an EC2 instance id, a device id or a hostname).
// Users are the keys of the users who log on to it.
type Host struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	OS         string    `json:"os,omitempty"`
	Critical   bool      `json:"critical,omitempty"`
	Users      []string  `json:"users,omitempty"`
	IPs        []string  `json:"ips,omitempty"`
	Files      []File    `json:"files,omitempty"`
	Processes  []Process `json:"processes,omitempty"`
	DNSQueries []string  `json:"dns_queries,omitempty"`
	// IsolatedAt is when remediation isolated the host from the network,
	// zero while it is not; a snapshot cannot set it.
	IsolatedAt time.Time `json:"-"`
}

// File is a file on a host, identified by its SHA-256 and path. Where it
// is known, DownloadedFrom is the URL it came from and CreatedBy the key
// of the process that wrote it.
type File struct {
	Path           string    `json:"path" dynamodbav:"path"`
	SHA256         string    `json:"sha256" dynamodbav:"sha256"`
	DownloadedFrom string    `json:"downloaded_from,omitempty" dynamodbav:"downloaded_from"`
	CreatedBy      string    `json:"created_by,omitempty" dynamodbav:"created_by"`
	Created        time.Time `json:"created,omitzero" dynamodbav:"created"`
}

// Process is a process that ran on a host. ID is the key alerts use for
// it; Parent is the key of the process that started it; User is the key
// of the user it ran as. SHA256 is its image's hash, when known.
type Process struct {
	ID      string    `json:"id" dynamodbav:"id"`
	Name    string    `json:"name" dynamodbav:"name"`
	Path    string    `json:"path,omitempty" dynamodbav:"path"`
	SHA256  string    `json:"sha256,omitempty" dynamodbav:"sha256"`
	CmdLine string    `json:"cmd_line,omitempty" dynamodbav:"cmd_line"`
	User    string    `json:"user,omitempty" dynamodbav:"user"`
	Parent  string    `json:"parent,omitempty" dynamodbav:"parent"`
	Started time.Time `json:"started,omitzero" dynamodbav:"started"`
}

// User is an account in the tenant's directory. Critical marks accounts
// whose compromise is grave, such as administrators.
type User struct {
	ID          string   `json:"id"` // lower-cased UPN, email or principal ARN
	DisplayName string   `json:"display_name,omitempty"`
	MFA         bool     `json:"mfa"`
	Enabled     bool     `json:"enabled"`
	Critical    bool     `json:"critical,omitempty"`
	SignIns     []SignIn `json:"sign_ins,omitempty"`
	// PasswordResetAt and SessionsRevokedAt are when remediation last
	// reset the user's password and revoked their sessions, zero if it
	// never did; a snapshot cannot set them.
	PasswordResetAt   time.Time `json:"-"`
	SessionsRevokedAt time.Time `json:"-"`
}

// SignIn is one attempt of a user to sign in. Country is an ISO 3166
// two-letter code.
type SignIn struct {
	Time    time.Time `json:"time" dynamodbav:"time"`
	IP      string    `json:"ip" dynamodbav:"ip"`
	Country string    `json:"country,omitempty" dynamodbav:"country"`
	City    string    `json:"city,omitempty" dynamodbav:"city"`
	App     string    `json:"app,omitempty" dynamodbav:"app"`
	Success bool      `json:"success" dynamodbav:"success"`
}

// Mailbox is a user's mailbox and the messages delivered to it.
// ForwardingTo, when set, is an address all its mail is forwarded to.
type Mailbox struct {
	Address      string    `json:"address"`
	User         string    `json:"user"`
	ForwardingTo string    `json:"forwarding_to,omitempty"`
	Messages     []Message `json:"messages,omitempty"`
}

// Message is an email message in a mailbox. ID is the key alerts use for
// it (the network message id, else the Message-ID); the same message
// delivered to two mailboxes has the same ID in both. Attachments are
// SHA-256 hashes.
type Message struct {
	ID                string    `json:"id" dynamodbav:"id"`
	InternetMessageID string    `json:"internet_message_id,omitempty" dynamodbav:"internet_message_id"`
	Sender            string    `json:"sender" dynamodbav:"sender"`
	SenderIP          string    `json:"sender_ip,omitempty" dynamodbav:"sender_ip"`
	Subject           string    `json:"subject,omitempty" dynamodbav:"subject"`
	Received          time.Time `json:"received" dynamodbav:"received"`
	URLs              []string  `json:"urls,omitempty" dynamodbav:"urls"`
	Attachments       []string  `json:"attachments,omitempty" dynamodbav:"attachments"`
	Deleted           bool      `json:"deleted,omitempty" dynamodbav:"deleted"`
}

// Click is a user following a URL, usually from a message (MessageID);
// Allowed is false when the URL was blocked.
type Click struct {
	URL       string    `json:"url" dynamodbav:"url"`
	User      string    `json:"user" dynamodbav:"user"`
	Time      time.Time `json:"time" dynamodbav:"time"`
	IP        string    `json:"ip,omitempty" dynamodbav:"ip"`
	MessageID string    `json:"message_id,omitempty" dynamodbav:"message_id"`
	Allowed   bool      `json:"allowed" dynamodbav:"allowed"`
}

// Principal is a cloud identity, with its access keys and the API calls
// made with them. Its ARN is also the key of the user it is.
type Principal struct {
	ARN        string      `json:"arn"`
	Account    string      `json:"account,omitempty"`
	AccessKeys []AccessKey `json:"access_keys,omitempty"`
	Activity   []Activity  `json:"activity,omitempty"`
}

// Access key statuses.
const (
	KeyActive   = "Active"
	KeyInactive = "Inactive"
)

// AccessKey is a principal's access key; Status is KeyActive or
// KeyInactive.
type AccessKey struct {
	ID      string    `json:"id" dynamodbav:"id"`
	Status  string    `json:"status" dynamodbav:"status"`
	Created time.Time `json:"created,omitzero" dynamodbav:"created"`
}

// Activity is one API call of a principal, made with one of its access
// keys. Resources are the ARNs it named; ErrorCode is empty when the call
// succeeded.
type Activity struct {
	Time        time.Time `json:"time" dynamodbav:"time"`
	EventName   string    `json:"event_name" dynamodbav:"event_name"`
	EventSource string    `json:"event_source,omitempty" dynamodbav:"event_source"`
	SourceIP    string    `json:"source_ip" dynamodbav:"source_ip"`
	AccessKey   string    `json:"access_key" dynamodbav:"access_key"`
	Resources   []string  `json:"resources,omitempty" dynamodbav:"resources"`
	ErrorCode   string    `json:"error_code,omitempty" dynamodbav:"error_code"`
}
