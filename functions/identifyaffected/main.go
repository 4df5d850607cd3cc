// Command identifyaffected is the IdentifyAffected step of the investigation state machine.
package main

import (
	"github.com/firebreak/firebreak/shared/awsdata"
	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/workflow"
)

func main() {
	coldstart.StartStep("identifyaffected", (*workflow.Steps).IdentifyAffected,
		coldstart.StepParts{AWSSource: awsdata.DataSource})
}
