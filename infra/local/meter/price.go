package meter

import "math"

// Log records a deployed stack writes that the local host does not, in
// bytes each, as estimated from their documented formats: Lambda's
// platform.start and platform.report lines in JSON log format, one API
// Gateway access log line in the stack's JSON format, and one Step
// Functions execution-history log record without execution data.
const (
	platformLogBytesPerInvocation = 450
	accessLogBytesPerRequest      = 350
	historyLogBytesPerEvent       = 300
)

// Prices are AWS list prices in US dollars. They leave out free tiers,
// which a busy account outgrows, and what a run does not scale with
// (storage, the Secrets Manager reads of a cold start, alarms).
type Prices struct {
	Region string
	// AsOf is when the prices were read off AWS's pricing pages.
	AsOf string
	// APIRequest is a REST API request (first 333 million a month).
	APIRequest float64
	// LambdaRequest is one invocation; LambdaGBSecond one GB-second of an
	// arm64 function (first 7.5 billion GB-seconds a month).
	LambdaRequest  float64
	LambdaGBSecond float64
	// ReadUnit and WriteUnit are on-demand request units of a Standard
	// table class table.
	ReadUnit  float64
	WriteUnit float64
	// Transition is one state transition of a Standard workflow.
	Transition float64
	// LogGB is one GB of CloudWatch Logs ingested (Standard class).
	LogGB float64
}

// ListPrices are the us-east-1 list prices Firebreak's figures use.
var ListPrices = Prices{
	Region:         "us-east-1",
	AsOf:           "2026-12",
	APIRequest:     3.50 / 1e6,
	LambdaRequest:  0.20 / 1e6,
	LambdaGBSecond: 0.0000133334,
	ReadUnit:       0.125 / 1e6,
	WriteUnit:      0.625 / 1e6,
	Transition:     0.025 / 1e3,
	LogGB:          0.50,
}

// Cost is what a Usage costs, in US dollars, by service.
type Cost struct {
	APIGateway    float64
	Lambda        float64
	DynamoDB      float64
	StepFunctions float64
	Logs          float64
}

// Total is the cost of every service together.
func (c Cost) Total() float64 {
	return c.APIGateway + c.Lambda + c.DynamoDB + c.StepFunctions + c.Logs
}

// Per scales c to the cost of per units of work out of n done: Per(1000,
// alerts) is the cost of a thousand alerts. n of zero costs nothing.
func (c Cost) Per(per, n int) Cost {
	if n == 0 {
		return Cost{}
	}
	f := float64(per) / float64(n)
	return Cost{APIGateway: c.APIGateway * f, Lambda: c.Lambda * f,
		DynamoDB: c.DynamoDB * f, StepFunctions: c.StepFunctions * f, Logs: c.Logs * f}
}

// Cost prices u. memoryMB gives each function's configured memory, which
// Lambda bills duration by.
func (p Prices) Cost(u Usage, memoryMB func(function string) int) Cost {
	var gbSeconds float64
	for name, inv := range u.Functions {
		gbSeconds += float64(memoryMB(name)) / 1024 * float64(inv.BilledMillis) / 1000
	}
	return Cost{
		APIGateway: float64(u.APIRequests) * p.APIRequest,
		Lambda: float64(u.Invocations().Count)*p.LambdaRequest +
			gbSeconds*p.LambdaGBSecond,
		DynamoDB: math.Ceil(u.DynamoDB.ReadUnits)*p.ReadUnit +
			math.Ceil(u.DynamoDB.WriteUnits+u.DynamoDB.FailedWriteUnits)*p.WriteUnit,
		StepFunctions: float64(u.Transitions) * p.Transition,
		Logs:          float64(LoggedBytes(u)) / 1e9 * p.LogGB,
	}
}

// LoggedBytes is what a deployed stack would send to CloudWatch Logs for
// u: the functions' own lines, metered, and the platform, access and
// execution-history lines, estimated per invocation, request and event.
func LoggedBytes(u Usage) int64 {
	return u.LogBytes +
		u.Invocations().Count*platformLogBytesPerInvocation +
		u.APIRequests*accessLogBytesPerRequest +
		u.HistoryEvents*historyLogBytesPerEvent
}
