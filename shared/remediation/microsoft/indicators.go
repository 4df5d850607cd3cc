package microsoft

import (
	"context"
	"fmt"
	"net/http"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/remediation"
)

// indicatorTypes maps the entity types Firebreak blocks to Defender's
// indicator types.
var indicatorTypes = map[alert.EntityType]string{
	alert.EntityURL:    "Url",
	alert.EntityDomain: "DomainName",
	alert.EntityIP:     "IpAddress",
	alert.EntityFile:   "FileSha256",
}

// indicator is the part of a Defender indicator the provider keeps.
type indicator struct {
	ID string `json:"id"`
}

// block submits a blocking indicator for the target: POST /indicators.
// Defender's "submit or update" keys indicators by value, so a repeat
// updates the same indicator rather than adding one.
func (p *Provider) block(ctx context.Context, r remediation.Request) (remediation.Result,
	error) {
	typ, ok := indicatorTypes[r.Target.Type]
	if !ok {
		return remediation.Result{}, p.permanent("Defender has no indicator of %s",
			r.Target.Type)
	}
	body := map[string]any{
		"indicatorValue": r.Target.Key,
		"indicatorType":  typ,
		"action":         "Block",
		"title":          "Firebreak: " + string(r.Type) + " " + r.Target.Key,
		"description":    comment(r),
		"severity":       "High",
		"generateAlert":  true,
	}
	var ind indicator
	if _, err := p.defender(ctx, http.MethodPost, "/indicators", body, &ind); err != nil {
		return remediation.Result{}, err
	}
	return remediation.Result{
		Summary: fmt.Sprintf("blocked %s %s in Defender (indicator %s)", typ, r.Target.Key,
			ind.ID),
		Detail: map[string]string{"indicator_id": ind.ID},
	}, nil
}

// unblock deletes the indicator block submitted: DELETE /indicators/{id}.
// One already deleted is taken as done.
func (p *Provider) unblock(ctx context.Context, r remediation.Request,
	done remediation.Result) (remediation.Result, error) {
	id := done.Detail["indicator_id"]
	if id == "" {
		return remediation.Result{}, p.permanent("no indicator id was recorded for %s",
			r.ActionID)
	}
	_, err := p.defender(ctx, http.MethodDelete, "/indicators/"+esc(id), nil, nil)
	switch {
	case refused(err, http.StatusNotFound, ""):
		return remediation.Result{Summary: fmt.Sprintf("indicator %s of %s already "+
			"deleted; nothing changed", id, r.Target.Key)}, nil
	case err != nil:
		return remediation.Result{}, err
	}
	return remediation.Result{Summary: fmt.Sprintf("unblocked %s in Defender (deleted "+
		"indicator %s)", r.Target.Key, id)}, nil
}
