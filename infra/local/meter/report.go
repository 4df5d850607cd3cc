package meter

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Report is a run's usage priced, for alerts alerts.
type Report struct {
	Alerts int   `json:"alerts"`
	Usage  Usage `json:"usage"`
	// Cost is the whole run's, PerThousand the cost of 1,000 of its alerts.
	Cost        Cost   `json:"cost_usd"`
	PerThousand Cost   `json:"per_1000_alerts_usd"`
	Prices      Prices `json:"prices"`
}

// NewReport prices u, the usage of a run of alerts alerts, at p.
func NewReport(u Usage, alerts int, p Prices, memoryMB func(string) int) Report {
	c := p.Cost(u, memoryMB)
	return Report{Alerts: alerts, Usage: u, Cost: c, PerThousand: c.Per(1000, alerts), Prices: p}
}

// Write prints the report as a table: each service's usage, its cost for
// the run and per 1,000 alerts.
func (r Report) Write(w io.Writer) {
	u, c, k := r.Usage, r.Cost, r.PerThousand
	inv := u.Invocations()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "cost of %d alerts at %s list prices (%s)\n", r.Alerts, r.Prices.Region,
		r.Prices.AsOf)
	fmt.Fprintln(tw, "service\tusage\trun USD\tper 1,000 alerts USD")
	fmt.Fprintf(tw, "API Gateway\t%d requests\t%.6f\t%.6f\n", u.APIRequests, c.APIGateway,
		k.APIGateway)
	fmt.Fprintf(tw, "Lambda\t%d invocations, %.1f s billed\t%.6f\t%.6f\n", inv.Count,
		float64(inv.BilledMillis)/1000, c.Lambda, k.Lambda)
	fmt.Fprintf(tw, "DynamoDB\t%.0f RRU, %.0f WRU (%.0f refused), %d requests\t%.6f\t%.6f\n",
		u.DynamoDB.ReadUnits, u.DynamoDB.WriteUnits+u.DynamoDB.FailedWriteUnits,
		u.DynamoDB.FailedWriteUnits, u.DynamoDB.Requests, c.DynamoDB, k.DynamoDB)
	fmt.Fprintf(tw, "Step Functions\t%d state transitions\t%.6f\t%.6f\n", u.Transitions,
		c.StepFunctions, k.StepFunctions)
	fmt.Fprintf(tw, "CloudWatch Logs\t%.1f MB (%.1f MB from the functions)\t%.6f\t%.6f\n",
		float64(LoggedBytes(u))/1e6, float64(u.LogBytes)/1e6, c.Logs, k.Logs)
	fmt.Fprintf(tw, "total\t\t%.6f\t%.6f\n", c.Total(), k.Total())
	tw.Flush()
}
