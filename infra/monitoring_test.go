package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/stack"
)

// alarmOn returns the one alarm on the metric name in namespace.
func (c *cfnTemplate) alarmOn(t *testing.T, namespace, name string) cfnResource {
	t.Helper()
	var found []cfnResource
	for _, a := range c.ofType("AWS::CloudWatch::Alarm") {
		if a.Properties["Namespace"] == namespace && a.Properties["MetricName"] == name {
			found = append(found, a)
		}
	}
	if len(found) != 1 {
		t.Fatalf("alarms on %s %s: got %d, want 1", namespace, name, len(found))
	}
	return found[0]
}

func TestAlarmsFireOnWhatAnOperatorMustActOn(t *testing.T) {
	tmpl := shipped(t)
	topicID := tmpl.named(t, "AWS::SNS::Topic", "AlarmsTopic")
	tests := []struct {
		namespace, metric string
		threshold         float64
	}{
		{"AWS/States", "ExecutionsFailed", 0},
		{"AWS/SQS", "ApproximateNumberOfMessagesVisible", 0},
		{stack.MetricNamespace, stack.MetricOldestPendingApprovalSeconds, 24 * 60 * 60},
	}
	for _, tt := range tests {
		t.Run(tt.metric, func(t *testing.T) {
			a := tmpl.alarmOn(t, tt.namespace, tt.metric)
			want := map[string]any{
				"Threshold":          tt.threshold,
				"ComparisonOperator": "GreaterThanThreshold",
				"TreatMissingData":   "notBreaching",
			}
			got := make(map[string]any)
			for k := range want {
				got[k] = a.Properties[k]
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("alarm (-want +got):\n%s", diff)
			}
			if !mentions(a.Properties["AlarmActions"], topicID) {
				t.Errorf("AlarmActions: got %v, want the alarms topic", a.Properties["AlarmActions"])
			}
		})
	}
}

func TestEachRouteAlarmsOnServerErrors(t *testing.T) {
	tmpl := shipped(t)
	for _, rt := range stack.Firebreak.Routes {
		var found int
		for _, a := range tmpl.ofType("AWS::CloudWatch::Alarm") {
			if a.Properties["MetricName"] != "5XXError" {
				continue
			}
			dims := make(map[string]any)
			for _, d := range a.Properties["Dimensions"].([]any) {
				m := d.(map[string]any)
				dims[m["Name"].(string)] = m["Value"]
			}
			want := map[string]any{
				"ApiName": stack.Firebreak.Name, "Stage": apiStage,
				"Resource": rt.Path, "Method": rt.Method,
			}
			if cmp.Equal(want, dims) {
				found++
			}
		}
		if found != 1 {
			t.Errorf("5xx alarms on %s %s: got %d, want 1", rt.Method, rt.Path, found)
		}
	}
}
