package manual

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/aws/aws-lambda-go/events"

	"github.com/firebreak/firebreak/shared/center"
	"github.com/firebreak/firebreak/shared/center/pages"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/ingest"
)

// Handler serves the start function's routes: POST /api/investigations
// (JSON, see Start) and POST /investigations (the action center's form,
// see Form).
func Handler(svc *ingest.Service, dev string, secret []byte) gateway.Handler {
	api, form := Start(svc, dev), Form(svc, dev, secret)
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (
		events.APIGatewayProxyResponse, error) {
		if req.Resource == "/investigations" {
			return form(ctx, req)
		}
		return api(ctx, req)
	}
}

// Form serves POST /investigations: the manual start form of the action
// center's list, form-encoded with the fields of POST
// /api/investigations and a CSRF token made for the analyst under secret.
// It starts the investigation through the same service and answers 303
// to its page, or with an error page giving the reason.
func Form(svc *ingest.Service, dev string, secret []byte) gateway.Handler {
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (
		events.APIGatewayProxyResponse, error) {
		// who asks, with a form of ours
		who := gateway.Analyst(req, dev)
		if who == "" {
			return pages.Fail(http.StatusUnauthorized,
				"Sign in to start an investigation."), nil
		}
		form, status, err := gateway.ParseForm(req)
		if err != nil {
			return pages.Fail(status, err.Error()+"."), nil
		}
		if !center.CheckCSRF(secret, who, pages.StartForm, form.Get("csrf")) {
			return pages.Fail(http.StatusForbidden, "The form's token is missing or "+
				"not yours: reload the investigations page and start from there."), nil
		}

		// start it as the JSON API does
		out, err := svc.StartManual(ctx, manualRequest(form, who))
		var rej *ingest.Rejection
		if errors.As(err, &rej) {
			return pages.Fail(rej.Status, "The investigation was not started: "+
				rej.Reason+"."), nil
		}
		if err != nil {
			return pages.Fail(http.StatusServiceUnavailable,
				"The investigation could not be started just now; retry later."), nil
		}
		return seeOther("/investigations/" + url.PathEscape(out.InvestigationID)), nil
	}
}

// manualRequest reads the form's fields.
func manualRequest(form url.Values, who string) ingest.ManualRequest {
	return ingest.ManualRequest{
		AlertID:    form.Get("alert_id"),
		EntityType: form.Get("entity_type"),
		EntityKey:  form.Get("entity_key"),
		Playbook:   form.Get("playbook"),
		Automation: form.Get("automation"),
		StartedBy:  who,
	}
}

// seeOther answers 303 to location, the page a form's POST leads to.
func seeOther(location string) events.APIGatewayProxyResponse {
	h := center.Headers("text/plain; charset=utf-8")
	h["Location"] = location
	return events.APIGatewayProxyResponse{StatusCode: http.StatusSeeOther, Headers: h,
		Body: "see " + location}
}
