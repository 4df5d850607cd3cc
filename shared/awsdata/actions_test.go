package awsdata

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestActionsListEveryOperationTheSourceCalls checks the IAM actions the
// stack grants against the operations of the clients' interfaces.
func TestActionsListEveryOperationTheSourceCalls(t *testing.T) {
	services := map[string]reflect.Type{
		"cloudtrail": reflect.TypeFor[CloudTrail](),
		"iam":        reflect.TypeFor[IAM](),
		"ec2":        reflect.TypeFor[EC2](),
	}
	var want []string
	for service, typ := range services {
		for i := range typ.NumMethod() {
			want = append(want, service+":"+typ.Method(i).Name)
		}
	}
	slices.Sort(want)
	got := slices.Sorted(slices.Values(Actions))
	if !slices.Equal(got, want) {
		t.Errorf("Actions = %s, want %s", strings.Join(got, " "), strings.Join(want, " "))
	}
}
