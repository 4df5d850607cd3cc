package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/firebreak/firebreak/shared/stack"
)

// How long an event is retried before it lands in the dead-letter queue,
// first by EventBridge, which retries when it cannot invoke the function
// (throttling, an outage), then by Lambda, which retries when the function
// returned an error. Each is the service's maximum: a finding should wait
// out an outage rather than be set aside.
const (
	eventMaxAgeHours   = 24
	eventRetryAttempts = 185
	asyncMaxAgeHours   = 6
	asyncRetryAttempts = 2

	// deadLetterRetentionDays is SQS's maximum: two weeks to notice and
	// redrive an event.
	deadLetterRetentionDays = 14
)

// newEventRules creates an EventBridge rule on the default bus for each
// event rule of s, invoking its function. An event that neither
// EventBridge nor Lambda (see newFunctions) could get handled ends in dlq.
func newEventRules(
	st awscdk.Stack, s stack.Stack, fns map[string]awslambda.Function, dlq awssqs.Queue,
) error {
	ids := make(map[string]string)
	for _, er := range s.EventRules {
		fn, ok := fns[er.Function]
		if !ok {
			return fmt.Errorf("event rule %s: no function %q", er.Name, er.Function)
		}
		if err := checkEventRule(ids, er); err != nil {
			return err
		}
		newEventRule(st, s, er, fn, dlq)
	}
	return nil
}

// checkEventRule reports a rule that would match nothing, or whose name
// makes the construct ID of a rule before it.
func checkEventRule(ids map[string]string, er stack.EventRule) error {
	if len(er.Sources) == 0 || len(er.DetailTypes) == 0 {
		return fmt.Errorf("event rule %s: needs at least one source and one detail-type",
			er.Name)
	}
	return claimID(ids, "event rule", er.Name)
}

// newDeadLetterQueue creates the queue where undelivered events and failed
// asynchronous invocations wait for an operator: encrypted, reachable only
// over TLS.
func newDeadLetterQueue(st awscdk.Stack) awssqs.Queue {
	q := awssqs.NewQueue(st, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(deadLetterRetentionDays)),
	})
	suppress(q, nagDeadLetterQueue)
	return q
}

// newEventRule creates the rule er on the default bus, matching events by
// source and detail-type, with fn as its target.
func newEventRule(
	st awscdk.Stack, s stack.Stack, er stack.EventRule, fn awslambda.Function,
	dlq awssqs.Queue,
) {
	target := awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
		DeadLetterQueue: dlq,
		MaxEventAge:     awscdk.Duration_Hours(jsii.Number(eventMaxAgeHours)),
		RetryAttempts:   jsii.Number(eventRetryAttempts),
	})
	description := "Firebreak: delivers matching events to " + *physicalName(s, er.Function)
	awsevents.NewRule(st, jsii.String(constructID(er.Name)+"Rule"), &awsevents.RuleProps{
		RuleName:    physicalName(s, er.Name),
		Description: &description,
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings(er.Sources...),
			DetailType: jsii.Strings(er.DetailTypes...),
		},
		Targets: &[]awsevents.IRuleTarget{target},
	})
}
