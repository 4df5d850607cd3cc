package sfn

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The JSON 1.0 protocol: every operation is a POST to / naming the operation
// in X-Amz-Target as AWSStepFunctions.<Operation>.
const (
	targetPrefix    = "AWSStepFunctions."
	contentTypeJSON = "application/x-amz-json-1.0"
	maxRequestBytes = 2 << 20 // room for a 1 MiB definition or a 256 KiB input
)

// Paging limits of the List and GetExecutionHistory operations.
const (
	defaultPageSize = 100
	maxPageSize     = 1000
)

// operation runs one API operation on a request body.
type operation func(e *Engine, ctx context.Context, body []byte) (any, error)

// operations are the supported API operations by name.
var operations = map[string]operation{
	"CreateStateMachine":   handle((*Engine).createStateMachineOp),
	"DescribeStateMachine": handle((*Engine).describeStateMachineOp),
	"ListStateMachines":    handle((*Engine).listStateMachinesOp),
	"StartExecution":       handle((*Engine).startExecutionOp),
	"DescribeExecution":    handle((*Engine).describeExecutionOp),
	"ListExecutions":       handle((*Engine).listExecutionsOp),
	"GetExecutionHistory":  handle((*Engine).getExecutionHistoryOp),
	"StopExecution":        handle((*Engine).stopExecutionOp),
	"UpdateStateMachine":   handle((*Engine).updateStateMachineOp),
	"DeleteStateMachine":   handle((*Engine).deleteStateMachineOp),
	"StartSyncExecution":   handle((*Engine).startSyncExecutionOp),
	"SendTaskSuccess":      handle((*Engine).sendTaskSuccessOp),
	"SendTaskFailure":      handle((*Engine).sendTaskFailureOp),
	"SendTaskHeartbeat":    handle((*Engine).sendTaskHeartbeatOp),
}

// handle adapts a typed operation to a body-decoding one.
func handle[Req, Resp any](op func(*Engine, context.Context, *Req) (*Resp, error)) operation {
	return func(e *Engine, ctx context.Context, body []byte) (any, error) {
		var req Req
		if len(body) > 0 {
			if err := json.Unmarshal(body, &req); err != nil {
				return nil, apiErrorf(codeValidation, "malformed request: %v", err)
			}
		}
		return op(e, ctx, &req)
	}
}

// ServeHTTP serves the Step Functions JSON 1.0 protocol for the operations
// CreateStateMachine, UpdateStateMachine, DescribeStateMachine,
// ListStateMachines, DeleteStateMachine, StartExecution, StartSyncExecution,
// DescribeExecution, ListExecutions, GetExecutionHistory, StopExecution,
// SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat.
// Errors are status 400 with the body {"__type": code, "message": text}, using
// the codes the SDK maps to typed errors. Requests are not authenticated.
func (e *Engine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()

	// find the operation named in X-Amz-Target
	name, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	op, ok := operations[name]
	if r.Method != http.MethodPost || !ok {
		writeError(w, apiErrorf(codeUnknownOperation, "unknown operation %q", name))
		return
	}

	// read the request body
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		writeError(w, apiErrorf(codeValidation, "read request: %v", err))
		return
	}

	// run the operation and send its response
	resp, err := op(e, r.Context(), body)
	if err != nil {
		writeError(w, err)
	} else {
		writeJSON(w, http.StatusOK, resp)
	}
	e.log.DebugContext(r.Context(), "sfn request", "operation", name,
		"error", errorCode(err), "duration", time.Since(start))
}

// errorCode returns the API error code of err, "" for nil.
func errorCode(err error) string {
	var ae *APIError
	var ve *ValidationError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ae):
		return ae.Code
	case errors.As(err, &ve):
		return codeInvalidDefinition
	}
	return "InternalFailure"
}

// writeError sends err in the protocol's error shape.
func writeError(w http.ResponseWriter, err error) {
	code, status := errorCode(err), http.StatusBadRequest
	if code == "InternalFailure" {
		status = http.StatusInternalServerError
	}
	w.Header().Set("X-Amzn-ErrorType", code)
	writeJSON(w, status, map[string]string{"__type": code, "message": errorMessage(err)})
}

// errorMessage returns err's message without its code.
func errorMessage(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Message
	}
	return err.Error()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", contentTypeJSON)
	w.Header().Set("X-Amzn-RequestId", newUUID())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client has gone if this fails
}

type createStateMachineInput struct {
	Name       string `json:"name"`
	Definition string `json:"definition"`
	RoleARN    string `json:"roleArn"`
	Type       string `json:"type"`
}

type createStateMachineOutput struct {
	StateMachineARN string       `json:"stateMachineArn"`
	CreationDate    epochSeconds `json:"creationDate"`
}

func (e *Engine) createStateMachineOp(ctx context.Context,
	in *createStateMachineInput) (*createStateMachineOutput, error) {
	// check the type; Express machines run like Standard ones here
	kind := in.Type
	switch kind {
	case "":
		kind = "STANDARD"
	case "STANDARD", "EXPRESS":
	default:
		return nil, apiErrorf(codeValidation, "invalid state machine type %q", in.Type)
	}

	// create it, reporting every definition problem in the message
	sm, err := e.createStateMachine(in.Name, in.Definition, in.RoleARN, kind)
	var ve *ValidationError
	if errors.As(err, &ve) {
		return nil, apiErrorf(codeInvalidDefinition, "%s", ve.Error())
	}
	if err != nil {
		return nil, err
	}
	return &createStateMachineOutput{sm.arn, epochSeconds(sm.created)}, nil
}

type stateMachineInput struct {
	StateMachineARN string `json:"stateMachineArn"`
}

type describeStateMachineOutput struct {
	StateMachineARN string       `json:"stateMachineArn"`
	Name            string       `json:"name"`
	Status          string       `json:"status"`
	Definition      string       `json:"definition"`
	RoleARN         string       `json:"roleArn"`
	Type            string       `json:"type"`
	CreationDate    epochSeconds `json:"creationDate"`
}

func (e *Engine) describeStateMachineOp(_ context.Context,
	in *stateMachineInput) (*describeStateMachineOutput, error) {
	e.mu.RLock()
	sm, err := e.machine(in.StateMachineARN)
	e.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	return &describeStateMachineOutput{sm.arn, sm.name, "ACTIVE", sm.definition,
		sm.roleARN, sm.kind, epochSeconds(sm.created)}, nil
}

type pageInput struct {
	MaxResults int    `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

type stateMachineListItem struct {
	StateMachineARN string       `json:"stateMachineArn"`
	Name            string       `json:"name"`
	Type            string       `json:"type"`
	CreationDate    epochSeconds `json:"creationDate"`
}

type listStateMachinesOutput struct {
	StateMachines []stateMachineListItem `json:"stateMachines"`
	NextToken     string                 `json:"nextToken,omitempty"`
}

func (e *Engine) listStateMachinesOp(_ context.Context,
	in *pageInput) (*listStateMachinesOutput, error) {
	// list every state machine in creation order
	e.mu.RLock()
	items := make([]stateMachineListItem, len(e.byCreation))
	for i, sm := range e.byCreation {
		items[i] = stateMachineListItem{sm.arn, sm.name, sm.kind, epochSeconds(sm.created)}
	}
	e.mu.RUnlock()

	// return the page asked for
	page, next, err := paginate(items, *in)
	if err != nil {
		return nil, err
	}
	return &listStateMachinesOutput{StateMachines: page, NextToken: next}, nil
}

type startExecutionInput struct {
	StateMachineARN string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Input           string `json:"input"`
}

type startExecutionOutput struct {
	ExecutionARN string       `json:"executionArn"`
	StartDate    epochSeconds `json:"startDate"`
}

func (e *Engine) startExecutionOp(_ context.Context,
	in *startExecutionInput) (*startExecutionOutput, error) {
	x, err := e.startExecution(in.StateMachineARN, in.Name, in.Input)
	if err != nil {
		return nil, err
	}
	return &startExecutionOutput{x.arn, epochSeconds(x.started)}, nil
}

type executionInput struct {
	ExecutionARN string `json:"executionArn"`
}

type describeExecutionOutput struct {
	ExecutionARN    string        `json:"executionArn"`
	StateMachineARN string        `json:"stateMachineArn"`
	Name            string        `json:"name"`
	Status          string        `json:"status"`
	StartDate       epochSeconds  `json:"startDate"`
	StopDate        *epochSeconds `json:"stopDate,omitempty"`
	Input           string        `json:"input"`
	InputDetails    includedData  `json:"inputDetails"`
	Output          *string       `json:"output,omitempty"`
	OutputDetails   *includedData `json:"outputDetails,omitempty"`
	Error           *string       `json:"error,omitempty"`
	Cause           *string       `json:"cause,omitempty"`
}

// includedData says whether an input or output is included in a response;
// the engine always includes it.
type includedData struct {
	Included bool `json:"included"`
}

func (e *Engine) describeExecutionOp(_ context.Context,
	in *executionInput) (*describeExecutionOutput, error) {
	x, err := e.execution(in.ExecutionARN)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	out := &describeExecutionOutput{
		ExecutionARN: x.arn, StateMachineARN: x.machine.arn, Name: x.name,
		Status: x.status, StartDate: epochSeconds(x.started), StopDate: x.stopDate(),
		Input: x.input, InputDetails: includedData{true},
		Output: x.output, Error: x.errorName, Cause: x.cause,
	}
	if x.output != nil {
		out.OutputDetails = &includedData{true}
	}
	return out, nil
}

// stopDate returns when the execution closed, nil while it runs. x.mu must be held.
func (x *execution) stopDate() *epochSeconds {
	if x.status == statusRunning {
		return nil
	}
	t := epochSeconds(x.stopped)
	return &t
}

type listExecutionsInput struct {
	pageInput
	StateMachineARN string `json:"stateMachineArn"`
	StatusFilter    string `json:"statusFilter"`
}

type executionListItem struct {
	ExecutionARN    string        `json:"executionArn"`
	StateMachineARN string        `json:"stateMachineArn"`
	Name            string        `json:"name"`
	Status          string        `json:"status"`
	StartDate       epochSeconds  `json:"startDate"`
	StopDate        *epochSeconds `json:"stopDate,omitempty"`
}

type listExecutionsOutput struct {
	Executions []executionListItem `json:"executions"`
	NextToken  string              `json:"nextToken,omitempty"`
}

func (e *Engine) listExecutionsOp(_ context.Context,
	in *listExecutionsInput) (*listExecutionsOutput, error) {
	// check the filter
	switch in.StatusFilter {
	case "", statusRunning, statusSucceeded, statusFailed, statusTimedOut, statusAborted:
	default:
		return nil, apiErrorf(codeValidation, "invalid statusFilter %q", in.StatusFilter)
	}

	// list the state machine's executions, newest first
	e.mu.RLock()
	sm, err := e.machine(in.StateMachineARN)
	if err != nil {
		e.mu.RUnlock()
		return nil, err
	}
	executions := append([]*execution(nil), sm.executions...)
	e.mu.RUnlock()
	var items []executionListItem
	for i := len(executions) - 1; i >= 0; i-- {
		if item := executions[i].listItem(); in.StatusFilter == "" ||
			item.Status == in.StatusFilter {
			items = append(items, item)
		}
	}

	// return the page asked for
	page, next, err := paginate(items, in.pageInput)
	if err != nil {
		return nil, err
	}
	return &listExecutionsOutput{Executions: page, NextToken: next}, nil
}

func (x *execution) listItem() executionListItem {
	x.mu.Lock()
	defer x.mu.Unlock()
	return executionListItem{x.arn, x.machine.arn, x.name, x.status,
		epochSeconds(x.started), x.stopDate()}
}

type getExecutionHistoryInput struct {
	pageInput
	ExecutionARN string `json:"executionArn"`
	ReverseOrder bool   `json:"reverseOrder"`
}

type getExecutionHistoryOutput struct {
	Events    []historyEvent `json:"events"`
	NextToken string         `json:"nextToken,omitempty"`
}

func (e *Engine) getExecutionHistoryOp(_ context.Context,
	in *getExecutionHistoryInput) (*getExecutionHistoryOutput, error) {
	// copy the history in the order asked for
	x, err := e.execution(in.ExecutionARN)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	events := append([]historyEvent(nil), x.events...)
	x.mu.Unlock()
	if in.ReverseOrder {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
	}

	// return the page asked for
	page, next, err := paginate(events, in.pageInput)
	if err != nil {
		return nil, err
	}
	return &getExecutionHistoryOutput{Events: page, NextToken: next}, nil
}

type stopExecutionInput struct {
	ExecutionARN string `json:"executionArn"`
	Error        string `json:"error"`
	Cause        string `json:"cause"`
}

type stopExecutionOutput struct {
	StopDate epochSeconds `json:"stopDate"`
}

func (e *Engine) stopExecutionOp(_ context.Context,
	in *stopExecutionInput) (*stopExecutionOutput, error) {
	x, err := e.stopExecution(in.ExecutionARN, in.Error, in.Cause)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return &stopExecutionOutput{epochSeconds(x.stopped)}, nil
}

// paginate returns the page of items that in asks for and the token of the
// next page, "" on the last. A token is the offset of its page.
func paginate[T any](items []T, in pageInput) ([]T, string, error) {
	// read the page size and the offset
	size := in.MaxResults
	switch {
	case size < 0 || size > maxPageSize:
		return nil, "", apiErrorf(codeValidation, "maxResults must be between 0 and %d",
			maxPageSize)
	case size == 0:
		size = defaultPageSize
	}
	offset, err := decodeToken(in.NextToken)
	if err != nil || offset > len(items) {
		return nil, "", apiErrorf(codeInvalidToken, "Invalid Token: '%s'", in.NextToken)
	}

	// cut the page
	end := min(offset+size, len(items))
	page := items[offset:end]
	if page == nil {
		page = []T{}
	}
	if end == len(items) {
		return page, "", nil
	}
	return page, encodeToken(end), nil
}

func encodeToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

func decodeToken(token string) (int, error) {
	if token == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, fmt.Errorf("decode token: %w", err)
	}
	n, ok := strings.CutPrefix(string(b), "offset:")
	if !ok {
		return 0, errors.New("decode token: not a page token")
	}
	offset, err := strconv.Atoi(n)
	if err != nil || offset < 0 {
		return 0, fmt.Errorf("decode token: bad offset %q", n)
	}
	return offset, nil
}
