package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/firebreak/firebreak/shared/stack"
)

// What the alarms look at: each over alarmPeriodMinutes, and the pending
// approvals alarm when the oldest has waited longer than
// approvalWaitAlarmSeconds.
const (
	alarmPeriodMinutes       = 5
	approvalPeriodMinutes    = 15
	approvalWaitAlarmSeconds = 24 * 60 * 60
	dashboardWidgetWidth     = 12
)

// monitored is what the alarms and the dashboard watch.
type monitored struct {
	machine awsstepfunctions.StateMachine
	dlq     awssqs.Queue
	fns     map[string]awslambda.Function
	key     awskms.Key // encrypts the alarms topic
}

// newMonitoring creates the alarms, which publish to an alarms topic an
// operator subscribes to, and the operations dashboard.
func newMonitoring(st awscdk.Stack, s stack.Stack, m monitored) {
	topic := awssns.NewTopic(st, jsii.String("AlarmsTopic"), &awssns.TopicProps{
		TopicName:   physicalName(s, "alarms"),
		DisplayName: jsii.String("Firebreak alarms"),
		MasterKey:   m.key,
		EnforceSSL:  jsii.Bool(true),
	})
	alarms := newAlarms(st, s, m)
	for _, a := range alarms {
		a.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
	}
	newDashboard(st, s, m, alarms)
	awscdk.NewCfnOutput(st, jsii.String("AlarmsTopicARN"), &awscdk.CfnOutputProps{
		Description: jsii.String("SNS topic Firebreak's alarms publish to; subscribe to it"),
		Value:       topic.TopicArn(),
	})
}

// newAlarms creates one alarm for each thing an operator must act on: a
// failed investigation, a server error on a route, an event or invocation
// set aside in the dead-letter queue, an approval waiting over a day.
func newAlarms(st awscdk.Stack, s stack.Stack, m monitored) []awscloudwatch.Alarm {
	// an investigation that failed
	alarms := []awscloudwatch.Alarm{
		alarm(st, "FailedInvestigations", "An investigation's execution failed",
			m.machine.MetricFailed(sum(alarmPeriodMinutes)), 0),
		alarm(st, "DeadLetters", "An event or invocation waits in the dead-letter queue",
			m.dlq.MetricApproximateNumberOfMessagesVisible(maximum(alarmPeriodMinutes)), 0),
		alarm(st, "PendingApprovals", "An action has waited for approval over a day",
			pendingApprovalAge(), approvalWaitAlarmSeconds),
	}

	// a 5xx on each route: alert intake failing, or the action center
	for _, rt := range s.Routes {
		id := constructID(rt.Method + " " + rt.Path)
		alarms = append(alarms, alarm(st, id+"ServerErrors",
			"Firebreak's API answered "+rt.Method+" "+rt.Path+" with a 5xx",
			routeMetric(s, rt, "5XXError"), 0))
	}
	return alarms
}

// alarm creates an alarm that fires when metric passes threshold in one
// period. No data is not a breach: no traffic is no failure.
func alarm(
	st awscdk.Stack, id, description string, metric awscloudwatch.IMetric, threshold float64,
) awscloudwatch.Alarm {
	return awscloudwatch.NewAlarm(st, jsii.String(id+"Alarm"), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String("Firebreak: " + description),
		Metric:             metric,
		Threshold:          jsii.Number(threshold),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
}

// sum and maximum are a metric's statistic over a period of minutes.
func sum(minutes float64) *awscloudwatch.MetricOptions {
	return &awscloudwatch.MetricOptions{
		Statistic: jsii.String("Sum"),
		Period:    awscdk.Duration_Minutes(jsii.Number(minutes)),
	}
}

func maximum(minutes float64) *awscloudwatch.MetricOptions {
	return &awscloudwatch.MetricOptions{
		Statistic: jsii.String("Maximum"),
		Period:    awscdk.Duration_Minutes(jsii.Number(minutes)),
	}
}

// pendingApprovalAge is Firebreak's own metric of how long the oldest
// pending approval has waited (stack.MetricOldestPendingApprovalSeconds).
func pendingApprovalAge() awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:  jsii.String(stack.MetricNamespace),
		MetricName: jsii.String(stack.MetricOldestPendingApprovalSeconds),
		Statistic:  jsii.String("Maximum"),
		Period:     awscdk.Duration_Minutes(jsii.Number(approvalPeriodMinutes)),
	})
}

// routeMetric is API Gateway's per-method metric name for the route rt,
// which the stage's detailed metrics publish. It has no label: an alarm
// on a labelled metric is written as a metric query.
func routeMetric(s stack.Stack, rt stack.Route, name string) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:  jsii.String("AWS/ApiGateway"),
		MetricName: jsii.String(name),
		DimensionsMap: &map[string]*string{
			"ApiName":  jsii.String(s.Name),
			"Stage":    jsii.String(apiStage),
			"Resource": jsii.String(rt.Path),
			"Method":   jsii.String(rt.Method),
		},
		Statistic: jsii.String("Sum"),
		Period:    awscdk.Duration_Minutes(jsii.Number(alarmPeriodMinutes)),
	})
}

// newDashboard creates the operations dashboard: the alarms' states, then
// investigations, the API, the functions and the queue.
func newDashboard(
	st awscdk.Stack, s stack.Stack, m monitored, alarms []awscloudwatch.Alarm,
) {
	var ialarms []interfacesawscloudwatch.IAlarmRef
	for _, a := range alarms {
		ialarms = append(ialarms, a)
	}
	d := awscloudwatch.NewDashboard(st, jsii.String("Dashboard"),
		&awscloudwatch.DashboardProps{DashboardName: physicalName(s, "operations")})
	d.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String("Alarms"), Alarms: &ialarms, Width: jsii.Number(24),
	}))
	d.AddWidgets(
		graph("Investigations", m.machine.MetricStarted(sum(alarmPeriodMinutes)),
			m.machine.MetricSucceeded(sum(alarmPeriodMinutes)),
			m.machine.MetricFailed(sum(alarmPeriodMinutes))),
		graph("API requests and errors", apiMetrics(s)...),
	)
	d.AddWidgets(
		graph("Function errors", functionMetrics(s, m.fns, "Errors")...),
		graph("Function throttles", functionMetrics(s, m.fns, "Throttles")...),
	)
	d.AddWidgets(
		graph("Dead-letter queue depth",
			m.dlq.MetricApproximateNumberOfMessagesVisible(maximum(alarmPeriodMinutes))),
		graph("Oldest pending approval (s)", pendingApprovalAge()),
	)
}

// graph is a half-width line graph of metrics.
func graph(title string, metrics ...awscloudwatch.IMetric) awscloudwatch.GraphWidget {
	return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String(title),
		Left:  &metrics,
		Width: jsii.Number(dashboardWidgetWidth),
	})
}

// apiMetrics are each route's requests and 4xx and 5xx answers.
func apiMetrics(s stack.Stack) []awscloudwatch.IMetric {
	var ms []awscloudwatch.IMetric
	for _, rt := range s.Routes {
		for _, name := range []string{"Count", "4XXError", "5XXError"} {
			label := jsii.String(rt.Method + " " + rt.Path + " " + name)
			ms = append(ms, routeMetric(s, rt, name).With(
				&awscloudwatch.MetricOptions{Label: label}))
		}
	}
	return ms
}

// functionMetrics are each function's metric name, in the stack's order.
func functionMetrics(
	s stack.Stack, fns map[string]awslambda.Function, name string,
) []awscloudwatch.IMetric {
	var ms []awscloudwatch.IMetric
	for _, f := range s.Functions {
		ms = append(ms, fns[f.Name].Metric(jsii.String(name), &awscloudwatch.MetricOptions{
			Statistic: jsii.String("Sum"),
			Period:    awscdk.Duration_Minutes(jsii.Number(alarmPeriodMinutes)),
			Label:     jsii.String(f.Name),
		}))
	}
	return ms
}
