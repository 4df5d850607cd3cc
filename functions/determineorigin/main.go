// Command determineorigin is the DetermineOrigin step of the investigation state machine.
package main

import (
	"github.com/firebreak/firebreak/shared/awsdata"
	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/workflow"
)

func main() {
	coldstart.StartStep("determineorigin", (*workflow.Steps).DetermineOrigin,
		coldstart.StepParts{AWSSource: awsdata.DataSource})
}
