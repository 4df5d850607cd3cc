// Package stack is the one description of Firebreak's deployment: its
// functions, their environment and table access, the HTTP routes and the
// state machine's substitutions.
//
// The CDK app (infra/) and the local host (infra/local/) both build
// themselves from Firebreak, so what runs on a laptop and what is deployed
// cannot drift apart. The CDK app adds what only the cloud has: IAM,
// alarms, encryption.
package stack

import "slices"

// Environment variables the functions read at cold start. The CDK app sets
// them from the resources it creates; the local host sets the same values
// for its in-process handlers.
const (
	EnvTableName        = "FIREBREAK_TABLE_NAME"
	EnvStateMachineARN  = "FIREBREAK_STATE_MACHINE_ARN"
	EnvSourceSecretsARN = "FIREBREAK_SOURCE_SECRETS_ARN"
	EnvAPIKeySources    = "FIREBREAK_API_KEY_SOURCES" // JSON: {"<API key id>": "<source>"}
	EnvLogLevel         = "FIREBREAK_LOG_LEVEL"
	// EnvDevIdentity is the analyst the action center takes a request
	// without verified sign-in claims to be from. Only the local host sets
	// it; no deployed function lists it.
	EnvDevIdentity = "FIREBREAK_DEV_IDENTITY"
	// EnvApprovalBaseURL overrides firebreak.yaml's approvals.base_url,
	// the address approval links start with: the local host sets it to
	// the address it listens on, the CDK app to the REST API's own unless
	// base_url names an address off this machine (a custom domain).
	EnvApprovalBaseURL = "FIREBREAK_APPROVAL_BASE_URL"

	// A function that lists one of these in its Env is also granted what
	// the variable points at: publishing to the approvals topic, reading
	// the link-signing secret, reading and writing the quarantine bucket,
	// assuming the remediation role in member accounts.
	EnvApprovalsTopicARN    = "FIREBREAK_APPROVALS_TOPIC_ARN"
	EnvLinkSigningSecretARN = "FIREBREAK_LINK_SIGNING_SECRET_ARN"
	EnvQuarantineBucket     = "FIREBREAK_QUARANTINE_BUCKET"
	EnvIsolationGroupID     = "FIREBREAK_ISOLATION_SECURITY_GROUP_ID" // empty: none deployed
	EnvRemediationRoleName  = "FIREBREAK_REMEDIATION_ROLE_NAME"
	// The analysts' sign-in, which only the cloud has: the user pool's
	// issuer (its keys are at <issuer>/.well-known/jwks.json), the action
	// center's app client, the hosted UI's address and the sign-in's
	// callback address that the app client lists.
	EnvSignInIssuer      = "FIREBREAK_SIGNIN_ISSUER"
	EnvSignInClientID    = "FIREBREAK_SIGNIN_CLIENT_ID"
	EnvSignInDomainURL   = "FIREBREAK_SIGNIN_DOMAIN_URL"
	EnvSignInCallbackURL = "FIREBREAK_SIGNIN_CALLBACK_URL"

	// EnvVirusTotalSecret names the secret holding a VirusTotal API key:
	// firebreak.yaml's investigation.virustotal_secret, empty when unset.
	EnvVirusTotalSecret = "FIREBREAK_VIRUSTOTAL_SECRET"
)

// Firebreak's custom CloudWatch metrics, in embedded metric format or
// PutMetricData. The CDK app alarms on them; the code that emits them
// uses the same names.
const (
	MetricNamespace = "Firebreak"

	// MetricOldestPendingApprovalSeconds is the age, in seconds, of the
	// oldest action waiting for approval; 0 when none waits. The stack
	// alarms when it passes a day.
	MetricOldestPendingApprovalSeconds = "OldestPendingApprovalSeconds"
)

// Access is how much of the table a function may touch.
type Access int

// Table access levels.
const (
	NoAccess Access = iota
	ReadOnly
	ReadWrite
)

// Function is one Lambda function. Name is both the folder under
// functions/ holding its main package and the suffix of its deployed name.
type Function struct {
	Name        string
	Description string
	MemoryMB    int
	TimeoutSec  int
	Table       Access
	// Env lists the environment variables the function reads.
	Env []string
	// StartsExecutions is true for a function that calls StartExecution.
	StartsExecutions bool
	// ReadsAWSInventory is true for a step that asks the AWS data source
	// (CloudTrail, IAM, EC2) when firebreak.yaml enables it.
	ReadsAWSInventory bool
	// SendsTaskResults is true for a function that answers the state
	// machine's waits for a person (SendTaskSuccess, SendTaskFailure).
	SendsTaskResults bool
	// StopsExecutions is true for a function that stops investigations'
	// executions (StopExecution): terminating an investigation.
	StopsExecutions bool
	// ReadsSourceSecrets is true for a function that reads the ingest
	// sources' signing secrets.
	ReadsSourceSecrets bool
	// ReservedConcurrency caps the function's concurrent executions, to
	// protect what it calls from a burst; 0 leaves it uncapped.
	ReservedConcurrency int
	// Authorizes is true for the REST API's authorizer of the action
	// center's routes, which API Gateway invokes before them. The local
	// host runs none: every request there is the development analyst's.
	Authorizes bool
}

// Route is one HTTP route of the REST API. Path uses API Gateway's template
// syntax ("/api/investigations/{id}"), which net/http's ServeMux also
// understands. APIKeyRequired routes are open only to requests carrying an
// API Gateway API key (x-api-key), which API Gateway checks.
type Route struct {
	Method         string
	Path           string
	Function       string
	APIKeyRequired bool
}

// EventRule routes events on the default EventBridge bus to a function:
// those whose source is one of Sources and whose detail-type is one of
// DetailTypes.
type EventRule struct {
	Name        string
	Sources     []string
	DetailTypes []string
	Function    string
}

// StateMachine is the investigation workflow. Substitutions maps each
// ${Placeholder} in the ASL file to the name of the function whose ARN
// replaces it.
type StateMachine struct {
	Name           string
	DefinitionFile string // relative to the repository root
	Substitutions  map[string]string
}

// Stack is the whole description.
type Stack struct {
	Name         string
	Functions    []Function
	Routes       []Route
	EventRules   []EventRule
	StateMachine StateMachine
}

// Function returns the function named name and whether there is one.
func (s Stack) Function(name string) (Function, bool) {
	for _, f := range s.Functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// stepEnv is what every investigation step reads.
var stepEnv = []string{EnvTableName, EnvLogLevel}

// step describes a state machine task function.
func step(name, description string) Function {
	return Function{
		Name:        name,
		Description: description,
		MemoryMB:    256,
		TimeoutSec:  30,
		Table:       ReadWrite,
		Env:         stepEnv,
	}
}

// withEnv returns f reading the variables names as well.
func withEnv(f Function, names ...string) Function {
	f.Env = append(append([]string{}, f.Env...), names...)
	return f
}

// asking returns f as a step that asks the investigation's data sources:
// it has longer to answer, since each entity of a wide round costs a few
// calls to each source.
func asking(f Function) Function {
	f.ReadsAWSInventory = true
	f.TimeoutSec = 60
	return f
}

// starting returns f able to start investigations' executions. A step
// learns the state machine's ARN from the context object, not from its
// environment, since the state machine's definition names the step.
func starting(f Function) Function {
	f.StartsExecutions = true
	return f
}

// capped returns f with its concurrency capped at n.
func capped(f Function, n int) Function {
	f.ReservedConcurrency = n
	return f
}

// remediateStep runs approved actions through their providers. It is
// capped so that a wide investigation cannot flood the APIs of the tenant
// and the member accounts.
var remediateStep = capped(withEnv(step("remediate",
	"Runs approved remediation actions through their provider"),
	EnvRemediationRoleName, EnvIsolationGroupID, EnvQuarantineBucket), 5)

// union returns the names of a followed by those of b it lacks.
func union(a, b []string) []string {
	out := append([]string{}, a...)
	for _, n := range b {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// Firebreak is the stack that `cdk deploy` ships and `firebreak serve` runs.
var Firebreak = Stack{
	Name: "Firebreak",
	Functions: []Function{
		{
			Name:        "ingest",
			Description: "Authenticates, normalizes and stores alerts; starts investigations",
			MemoryMB:    512,
			TimeoutSec:  15,
			Table:       ReadWrite,
			Env: []string{EnvTableName, EnvStateMachineARN, EnvSourceSecretsARN,
				EnvAPIKeySources, EnvLogLevel},
			StartsExecutions:   true,
			ReadsSourceSecrets: true,
		},
		{
			Name:             "events",
			Description:      "Ingests GuardDuty and Security Hub findings delivered by EventBridge",
			MemoryMB:         512,
			TimeoutSec:       30,
			Table:            ReadWrite,
			Env:              []string{EnvTableName, EnvStateMachineARN, EnvLogLevel},
			StartsExecutions: true,
			// a burst of findings queues in EventBridge rather than
			// throttling the table and StartExecution
			ReservedConcurrency: 10,
		},
		{
			Name:        "start",
			Description: "Starts an investigation an analyst asks for",
			MemoryMB:    512,
			TimeoutSec:  10,
			Table:       ReadWrite,
			Env: []string{EnvTableName, EnvStateMachineARN, EnvLogLevel,
				EnvLinkSigningSecretARN},
			// it chooses the playbook by policy, as ingest does
			StartsExecutions: true,
		},
		{
			Name:        "center",
			Description: "Action center pages: investigations, audit log, terminating",
			MemoryMB:    256,
			TimeoutSec:  15,
			Table:       ReadWrite,
			Env: []string{EnvTableName, EnvStateMachineARN, EnvLogLevel,
				EnvLinkSigningSecretARN},
			StopsExecutions: true,
		},
		{
			Name:        "api",
			Description: "API of the action center: investigations and scope decisions",
			MemoryMB:    256,
			TimeoutSec:  10,
			Table:       ReadWrite,
			// undoing an action runs the provider that did it, so the api
			// reads what the remediate step reads
			Env: union([]string{EnvTableName, EnvLogLevel}, remediateStep.Env),
			// answering a wait for a scope decision
			SendsTaskResults: true,
		},
		step("triage", "Checks an investigation and records its start"),
		withEnv(asking(step("gatherthreatinfo",
			"Judges entities by alerts, intelligence and data sources")), EnvVirusTotalSecret),
		asking(step("determineorigin", "Finds where the entities of an investigation came from")),
		asking(step("identifyaffected", "Finds who and what an investigation's entities touched")),
		asking(step("huntotherinstances", "Finds the threat elsewhere in the tenant and alerts")),
		step("expandscope", "Widens an investigation to what its last round found"),
		step("requestscopeapproval", "Keeps a wide expansion waiting for an analyst"),
		step("decide", "Proposes remediation and decides what runs without approval"),
		// the wait for a person's decision on one action, and its expiry
		// it answers no wait itself: a grant on the state machine that
		// invokes it would be a dependency cycle
		withEnv(step("requestapproval",
			"Keeps an action waiting for approval and notifies its approvers"),
			EnvLinkSigningSecretARN, EnvApprovalsTopicARN, EnvApprovalBaseURL),
		withEnv(step("expireapproval", "Expires an action nobody approved in time"),
			EnvLinkSigningSecretARN, EnvApprovalBaseURL),
		{
			Name:        "approvals",
			Description: "Approval links, the pending-actions queue and its decisions",
			MemoryMB:    256,
			TimeoutSec:  15,
			Table:       ReadWrite,
			Env: []string{EnvTableName, EnvLogLevel, EnvLinkSigningSecretARN,
				EnvApprovalBaseURL},
			// answering the wait for an action's decision
			SendsTaskResults: true,
		},
		{
			Name:        "authorizer",
			Description: "Verifies an analyst's Cognito ID token, from the header or cookie",
			MemoryMB:    256,
			TimeoutSec:  5,
			Table:       NoAccess,
			Env:         []string{EnvSignInIssuer, EnvSignInClientID, EnvLogLevel},
			Authorizes:  true,
		},
		{
			Name:        "signin",
			Description: "Signs analysts in through the Cognito hosted UI",
			MemoryMB:    256,
			TimeoutSec:  10,
			Table:       NoAccess,
			Env: []string{EnvSignInIssuer, EnvSignInClientID, EnvSignInDomainURL,
				EnvSignInCallbackURL, EnvLogLevel},
		},
		remediateStep,
		starting(step("finalize",
			"Sets an investigation's final status and hands late alerts to a new one")),
	},
	Routes: []Route{
		{Method: "POST", Path: "/alerts", Function: "ingest"},
		{Method: "POST", Path: "/alerts/keyed", Function: "ingest", APIKeyRequired: true},
		{Method: "POST", Path: "/api/investigations", Function: "start"},
		{Method: "GET", Path: "/api/investigations/{id}", Function: "api"},
		{Method: "POST", Path: "/api/investigations/{id}/scope", Function: "api"},
		{Method: "POST", Path: "/api/investigations/{id}/actions/{action}/undo",
			Function: "api"},
		// the messages the local host kept in place of sending; none deployed
		{Method: "GET", Path: "/outbox", Function: "center"},
		{Method: "GET", Path: "/api/outbox", Function: "center"},
		// the action center's pages; the manual start form posts to start
		{Method: "GET", Path: "/", Function: "center"},
		{Method: "GET", Path: "/investigations/{id}", Function: "center"},
		{Method: "POST", Path: "/investigations", Function: "start"},
		{Method: "POST", Path: "/investigations/{id}/terminate", Function: "center"},
		{Method: "GET", Path: "/audit", Function: "center"},
		{Method: "GET", Path: "/audit.csv", Function: "center"},
		{Method: "GET", Path: "/api/investigations", Function: "center"},
		{Method: "GET", Path: "/api/audit", Function: "center"},
		{Method: "POST", Path: "/api/investigations/{id}/terminate", Function: "center"},
		// approval links open a confirmation page; only its POST decides
		{Method: "GET", Path: "/approvals/{id}", Function: "approvals"},
		{Method: "POST", Path: "/approvals/{id}", Function: "approvals"},
		{Method: "GET", Path: "/actions", Function: "approvals"},
		{Method: "POST", Path: "/actions/decisions", Function: "approvals"},
		{Method: "GET", Path: "/api/actions", Function: "approvals"},
		{Method: "POST", Path: "/api/actions/decisions", Function: "approvals"},
		// the analysts' sign-in through the user pool's hosted UI
		{Method: "GET", Path: "/auth/signin", Function: "signin"},
		{Method: "GET", Path: "/auth/callback", Function: "signin"},
	},
	EventRules: []EventRule{
		{Name: "guardduty-findings", Sources: []string{"aws.guardduty"},
			DetailTypes: []string{"GuardDuty Finding"}, Function: "events"},
		{Name: "securityhub-findings", Sources: []string{"aws.securityhub"},
			DetailTypes: []string{"Security Hub Findings - Imported",
				"Security Hub Findings - Custom Action"}, Function: "events"},
	},
	StateMachine: StateMachine{
		Name:           "investigation",
		DefinitionFile: "infra/statemachine/investigation.asl.json",
		Substitutions: map[string]string{
			"TriageFunctionArn":               "triage",
			"GatherThreatInfoFunctionArn":     "gatherthreatinfo",
			"DetermineOriginFunctionArn":      "determineorigin",
			"IdentifyAffectedFunctionArn":     "identifyaffected",
			"HuntOtherInstancesFunctionArn":   "huntotherinstances",
			"ExpandScopeFunctionArn":          "expandscope",
			"RequestScopeApprovalFunctionArn": "requestscopeapproval",
			"DecideFunctionArn":               "decide",
			"RequestApprovalFunctionArn":      "requestapproval",
			"ExpireApprovalFunctionArn":       "expireapproval",
			"RemediateFunctionArn":            "remediate",
			"FinalizeFunctionArn":             "finalize",
		},
	},
}
