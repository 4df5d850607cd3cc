package workflow

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
)

// failing is a data source whose every answer is err.
type failing struct{ err error }

func (f failing) Name() string { return "flaky" }

func (f failing) Describe(context.Context, alert.Entity) (datasource.Finding, error) {
	return datasource.Finding{}, f.err
}

func (f failing) Origin(context.Context, alert.Entity) (datasource.Finding, error) {
	return datasource.Finding{}, f.err
}

func (f failing) Affected(context.Context, alert.Entity) (datasource.Finding, error) {
	return datasource.Finding{}, f.err
}

func (f failing) Hunt(context.Context, alert.Entity) (datasource.Finding, error) {
	return datasource.Finding{}, f.err
}

// TestARefusingSourceIsNotedAndATransientOneRetried checks what a step
// does with a data source that fails: one that refuses (access denied) is
// noted on the entity and the others go on; one that may recover fails the
// step as retryable.
func TestARefusingSourceIsNotedAndATransientOneRetried(t *testing.T) {
	ctx := context.Background()
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "slow down"}
	tests := []struct {
		name      string
		err       error
		retryable bool
	}{
		{"refused", errors.New("iam:GetUser: AccessDenied"), false},
		{"throttled", throttled, true},
	}
	for _, tt := range tests {
		s := newSteps(t, &starts{})
		s.Sources = []datasource.DataSource{failing{tt.err}}
		opened, err := s.Store.Ingest(ctx, hostAlert("a-"+tt.name, "i-1"))
		if err != nil {
			t.Fatal(err)
		}
		id := opened.InvestigationID
		if _, err := s.Triage(ctx, Input{id}); err != nil {
			t.Fatal(err)
		}
		_, err = s.GatherThreatInfo(ctx, RoundInput{InvestigationID: id, Round: 1})
		var re *RetryableError
		if got := errors.As(err, &re); got != tt.retryable || (!tt.retryable && err != nil) {
			t.Errorf("%s: GatherThreatInfo error %v, want retryable %v", tt.name, err,
				tt.retryable)
		}
		if tt.retryable {
			continue
		}
		ents, _ := s.Store.Entities(ctx, id)
		if len(ents) != 1 || !strings.Contains(evidenceText(ents[0].Evidence),
			"could not answer: iam:GetUser: AccessDenied") {
			t.Errorf("%s: entities %+v, want the refusal noted on the host", tt.name, ents)
		}
	}
}
