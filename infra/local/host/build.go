package host

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/firebreak/firebreak/infra/local/sfn"
	"github.com/firebreak/firebreak/shared/awsdata"
	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/coldstart/approvals"
	"github.com/firebreak/firebreak/shared/coldstart/center"
	"github.com/firebreak/firebreak/shared/coldstart/intake"
	"github.com/firebreak/firebreak/shared/coldstart/remediators"
	"github.com/firebreak/firebreak/shared/gateway/alerts"
	"github.com/firebreak/firebreak/shared/gateway/manual"
	"github.com/firebreak/firebreak/shared/gateway/signin"
	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/workflow"
)

// sourceSecretsARN names the secret the local Secrets Manager endpoint
// serves the ingest sources from.
const sourceSecretsARN = "arn:aws:secretsmanager:" + Region + ":" + AccountID +
	":secret:firebreak-sources"

// linkSigningSecretARN names the link-signing secret on the local
// Secrets Manager endpoint; its value is the host's linkSecret.
const linkSigningSecretARN = "arn:aws:secretsmanager:" + Region + ":" + AccountID +
	":secret:firebreak-link-signing"

// linkSecretFile is the file of the state directory that keeps the
// link-signing secret, so that links sent before a restart still work.
const linkSecretFile = "link-signing-secret"

// loadLinkSecret returns the secret approval links are signed with: the
// one kept in stateDir, created there (mode 0600) on first use, or, with
// no state directory, one drawn for this host alone.
func loadLinkSecret(stateDir string) (string, error) {
	if stateDir == "" {
		return rand.Text(), nil
	}
	path := filepath.Join(stateDir, linkSecretFile)
	b, err := os.ReadFile(path)
	if err == nil && len(bytes.TrimSpace(b)) > 0 {
		return string(bytes.TrimSpace(b)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read the link-signing secret: %w", err)
	}

	// first life of this state directory: draw one and keep it
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return "", fmt.Errorf("create state directory: %w", err)
	}
	secret := rand.Text()
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("keep the link-signing secret: %w", err)
	}
	return secret, nil
}

// builder builds one function's handler the way its main does, with the
// host's logger in place of Lambda's stdout logger and the host's
// coldstart options (its remediation section, if it has one).
type builder func(context.Context, coldstart.Getenv, *slog.Logger, coldstart.Remediators) (
	any, error)

// builders has one entry per function of stack.Firebreak but the
// authorizer, which the host does not run; a test checks that none is
// missing.
var builders = map[string]builder{
	"ingest": func(ctx context.Context, env coldstart.Getenv, log *slog.Logger,
		_ coldstart.Remediators) (any, error) {
		svc, err := intake.Ingest(ctx, env)
		if err != nil {
			return nil, err
		}
		svc.Log = log
		return alerts.Handler(svc), nil
	},
	"events": func(ctx context.Context, env coldstart.Getenv, log *slog.Logger,
		_ coldstart.Remediators) (any, error) {
		svc, err := intake.Events(ctx, env)
		if err != nil {
			return nil, err
		}
		svc.Log = log
		return alerts.EventBridge(svc), nil
	},
	"api": func(ctx context.Context, env coldstart.Getenv, log *slog.Logger,
		remediators coldstart.Remediators) (any, error) {
		api, err := coldstart.API(ctx, env, remediators)
		if err != nil {
			return nil, err
		}
		api.Log = log
		return api.Handler(), nil
	},
	"start": func(ctx context.Context, env coldstart.Getenv, log *slog.Logger,
		_ coldstart.Remediators) (any, error) {
		svc, err := intake.Start(ctx, env)
		if err != nil {
			return nil, err
		}
		secret, err := coldstart.LinkSigningSecret(ctx, env)
		if err != nil {
			return nil, err
		}
		svc.Log = log
		return manual.Handler(svc, env(stack.EnvDevIdentity), secret), nil
	},
	"center": func(ctx context.Context, env coldstart.Getenv, log *slog.Logger,
		_ coldstart.Remediators) (any, error) {
		c, err := center.Pages(ctx, env)
		if err != nil {
			return nil, err
		}
		c.Log = log
		return c.Handler(), nil
	},
	"triage":               step(func(s *workflow.Steps) any { return s.Triage }),
	"gatherthreatinfo":     step(func(s *workflow.Steps) any { return s.GatherThreatInfo }),
	"determineorigin":      step(func(s *workflow.Steps) any { return s.DetermineOrigin }),
	"identifyaffected":     step(func(s *workflow.Steps) any { return s.IdentifyAffected }),
	"huntotherinstances":   step(func(s *workflow.Steps) any { return s.HuntOtherInstances }),
	"expandscope":          step(func(s *workflow.Steps) any { return s.ExpandScope }),
	"requestscopeapproval": step(func(s *workflow.Steps) any { return s.RequestScopeApproval }),
	"decide":               step(func(s *workflow.Steps) any { return s.Decide }),
	"remediate":            step(func(s *workflow.Steps) any { return s.Remediate }),
	"finalize":             step(func(s *workflow.Steps) any { return s.Finalize }),
	"requestapproval":      approvalStep((*workflow.ApprovalSteps).RequestApproval),
	"expireapproval":       approvalStep((*workflow.ApprovalSteps).ExpireApproval),
	// nobody signs in on the local host: /auth/signin returns at once
	"signin": func(context.Context, coldstart.Getenv, *slog.Logger,
		coldstart.Remediators) (any, error) {
		return signin.Local(), nil
	},
	"approvals": func(ctx context.Context, env coldstart.Getenv, log *slog.Logger,
		_ coldstart.Remediators) (any, error) {
		e, err := center.Approvals(ctx, env)
		if err != nil {
			return nil, err
		}
		e.Log, e.Approvals.Log = log, log
		return e.Handler(), nil
	},
}

// approvalStep builds an approval step's handler, with the notifiers of
// firebreak.yaml: locally the SNS client's Publish reaches the host, which
// keeps the message in the outbox. The steps are built at the handler's
// first call: the state machine's functions are built before the host
// serves the Secrets Manager endpoint the link-signing secret comes from.
func approvalStep[I, O any](method func(*workflow.ApprovalSteps, context.Context, I) (O,
	error)) builder {
	return func(_ context.Context, env coldstart.Getenv, log *slog.Logger,
		_ coldstart.Remediators) (any, error) {
		steps := sync.OnceValues(func() (*workflow.ApprovalSteps, error) {
			ctx := context.Background()
			cfg, err := coldstart.AWSConfig(ctx)
			if err != nil {
				return nil, err
			}
			notifiers, err := approvals.Notifiers(ctx, env, cfg)
			if err != nil {
				return nil, err
			}
			s, err := approvals.Steps(ctx, env, notifiers)
			if err != nil {
				return nil, err
			}
			s.Log, s.Approvals.Log = log, log
			return s, nil
		})
		return func(ctx context.Context, in I) (O, error) {
			s, err := steps()
			if err != nil {
				var zero O
				return zero, err
			}
			return method(s, ctx, in)
		}, nil
	}
}

// step builds an investigation step's handler.
func step(method func(*workflow.Steps) any) builder {
	return func(ctx context.Context, env coldstart.Getenv, log *slog.Logger,
		remediators coldstart.Remediators) (any, error) {
		s, err := coldstart.Steps(ctx, env, coldstart.StepParts{Remediators: remediators,
			AWSSource: awsdata.DataSource})
		if err != nil {
			return nil, err
		}
		s.Log = log
		return method(s), nil
	}
}

// environment returns what the functions read from their environment.
func (h *Host) environment() coldstart.Getenv {
	keys := map[string]string{}
	for _, source := range h.opts.APIKeys {
		keys[apiKeyID(source)] = source
	}
	keySources, _ := json.Marshal(keys)
	env := map[string]string{
		stack.EnvTableName:            tableName,
		stack.EnvSourceSecretsARN:     sourceSecretsARN,
		stack.EnvStateMachineARN:      h.StateMachineARN,
		stack.EnvAPIKeySources:        string(keySources),
		stack.EnvLogLevel:             "INFO",
		stack.EnvDevIdentity:          DevAnalyst,
		stack.EnvLinkSigningSecretARN: linkSigningSecretARN,
		stack.EnvApprovalBaseURL:      h.URL,
		stack.EnvApprovalsTopicARN:    approvalsTopicARN,
	}
	return func(k string) string { return env[k] }
}

// DevAnalyst is the development identity the local action center takes
// every request to be from: locally nobody signs in.
const DevAnalyst = "analyst@localhost"

// apiKeyID is the id the local API Gateway gives a source's API key.
func apiKeyID(source string) string { return "local-key-" + source }

// buildStateMachine builds the state machine's task functions, the engine
// that runs them and the state machine itself.
func (h *Host) buildStateMachine(ctx context.Context) error {
	tasks := map[string]lambda.Handler{}
	for _, name := range stack.Firebreak.StateMachine.Substitutions {
		fn, err := h.buildFunction(ctx, name, h.environment())
		if err != nil {
			return err
		}
		tasks[name] = fn
	}
	stateDir := ""
	if h.opts.StateDir != "" {
		stateDir = filepath.Join(h.opts.StateDir, "stepfunctions")
	}
	engine, err := sfn.New(sfn.Options{Region: Region, AccountID: AccountID,
		Functions: tasks, Logger: h.log, DynamoDBEndpoint: h.dynamoDBEndpoint,
		StateDir: stateDir})
	if err != nil {
		return fmt.Errorf("start the Step Functions engine: %w", err)
	}
	h.engine = engine
	arn, err := h.createStateMachine(ctx)
	h.StateMachineARN = arn
	return err
}

// buildRoutes builds the functions of the routes and of the event rules:
// API Gateway's proxy in front of the first, the local event bus in front
// of the second. It runs while the host serves, since a function's cold
// start may call the host's own endpoints (the sources secret).
func (h *Host) buildRoutes(ctx context.Context, mux *http.ServeMux) error {
	built := map[string]lambda.Handler{}
	build := func(name string) (lambda.Handler, error) {
		if fn, ok := built[name]; ok {
			return fn, nil
		}
		fn, err := h.buildFunction(ctx, name, h.environment())
		built[name] = fn
		return fn, err
	}
	for _, r := range stack.Firebreak.Routes {
		fn, err := build(r.Function)
		if err != nil {
			return err
		}
		pattern := r.Path
		if pattern == "/" {
			pattern = "/{$}" // the root only, as API Gateway's root resource
		}
		mux.Handle(r.Method+" "+pattern, h.proxy(r, fn))
	}
	mux.Handle("/", http.HandlerFunc(missingRoute))
	h.bus.log = h.log.Warn
	for _, r := range stack.Firebreak.EventRules {
		fn, err := build(r.Function)
		if err != nil {
			return err
		}
		h.bus.add(r, fn)
	}
	return nil
}

// buildFunction builds function name, wraps it as Lambda does and meters
// its invocations.
func (h *Host) buildFunction(ctx context.Context, name string, getenv coldstart.Getenv) (
	lambda.Handler, error) {
	b, ok := builders[name]
	if !ok {
		return nil, fmt.Errorf("the local host cannot build function %q", name)
	}
	fn, err := b(ctx, listedEnv(name, getenv), h.funcLog.With("function", name),
		h.remediators())
	if err != nil {
		return nil, fmt.Errorf("build function %s: %w", name, err)
	}
	return h.meter.Handler(name, lambda.NewHandler(fn)), nil
}

// remediators builds the remediation providers of every function of the
// host: from Options.Remediation in place of firebreak.yaml's section, if
// it has one. The host builds every step in one process, so each step may
// have what any of them needs.
func (h *Host) remediators() coldstart.Remediators {
	if h.opts.Remediation == nil {
		return remediators.New
	}
	return remediators.FromSection("host.Options.Remediation", h.opts.Remediation)
}

// listedEnv narrows getenv to the variables function name lists in
// stack.Firebreak, as its deployed environment holds only those, plus the
// development identity, which only the local host gives: a function that
// reads a variable it does not list fails here as it would in the cloud.
func listedEnv(name string, getenv coldstart.Getenv) coldstart.Getenv {
	f, _ := stack.Firebreak.Function(name)
	return func(k string) string {
		if k == stack.EnvDevIdentity || slices.Contains(f.Env, k) {
			return getenv(k)
		}
		return ""
	}
}

// createStateMachine loads the ASL file, substitutes each function's ARN
// as the CDK app's DefinitionSubstitutions do, and creates it.
func (h *Host) createStateMachine(ctx context.Context) (string, error) {
	sm := stack.Firebreak.StateMachine
	raw, err := os.ReadFile(filepath.Join(h.opts.Root, sm.DefinitionFile))
	if err != nil {
		return "", fmt.Errorf("read state machine: %w", err)
	}
	def := string(raw)
	for placeholder, fn := range sm.Substitutions {
		def = strings.ReplaceAll(def, "${"+placeholder+"}", h.engine.FunctionARN(fn))
	}
	arn, err := h.engine.CreateStateMachine(ctx, sm.Name, def)
	var exists *sfn.APIError
	if errors.As(err, &exists) && exists.Code == "StateMachineAlreadyExists" {
		// a restarted host with its state kept: the file may have changed
		arn = fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", Region, AccountID, sm.Name)
		err = h.engine.UpdateStateMachine(ctx, arn, def, "")
	}
	if err != nil {
		return "", fmt.Errorf("create state machine %s: %w", sm.Name, err)
	}
	return arn, nil
}

// byTarget sends AWS JSON-protocol requests to the service their
// X-Amz-Target names, and everything else to routes.
func (h *Host) byTarget(routes http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !localHostHeader(r.Host) {
			// a page of another site that rebound its name to this
			// machine must not act as the all-groups development analyst
			writeGatewayMessage(w, http.StatusForbidden,
				"Forbidden: the local host answers only to localhost or an IP address")
			return
		}
		target := r.Header.Get("X-Amz-Target")
		switch {
		case strings.HasPrefix(target, "AWSStepFunctions."):
			h.engine.ServeHTTP(w, r)
		case target == "secretsmanager.GetSecretValue":
			h.serveSecret(w, r)
		case target == "AWSEvents.PutEvents":
			h.bus.ServeHTTP(w, r)
		case isSNS(r):
			h.serveSNS(w, r)
		default:
			routes.ServeHTTP(w, r)
		}
	})
}

// localHostHeader reports whether a request's Host names this machine as
// a local client would: localhost or an IP address, never another name,
// which is how DNS rebinding reaches a server on a laptop.
func localHostHeader(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	return strings.EqualFold(host, "localhost") || net.ParseIP(host) != nil
}

// serveSecret answers Secrets Manager's GetSecretValue for the sources
// secret, the link-signing secret and Options.Secrets.
func (h *Host) serveSecret(w http.ResponseWriter, r *http.Request) {
	var in struct{ SecretId string }
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	err := json.NewDecoder(r.Body).Decode(&in)
	if err == nil && in.SecretId == linkSigningSecretARN {
		json.NewEncoder(w).Encode(map[string]string{"ARN": linkSigningSecretARN,
			"Name": "firebreak-link-signing", "SecretString": h.linkSecret})
		return
	}
	if value, ok := h.opts.Secrets[in.SecretId]; err == nil && ok {
		json.NewEncoder(w).Encode(map[string]string{"ARN": in.SecretId,
			"Name": in.SecretId, "SecretString": value})
		return
	}
	if err != nil || in.SecretId != sourceSecretsARN {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"__type": "ResourceNotFoundException",
			"message": "Secrets Manager can't find the specified secret."})
		return
	}
	secrets := map[string]string{}
	for name, s := range h.opts.Sources {
		secrets[name] = string(s)
	}
	value, _ := json.Marshal(secrets)
	json.NewEncoder(w).Encode(map[string]string{"ARN": sourceSecretsARN,
		"Name": "firebreak-sources", "SecretString": string(value)})
}
