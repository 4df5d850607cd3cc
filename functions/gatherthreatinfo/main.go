// Command gatherthreatinfo is the GatherThreatInfo step of the investigation state machine.
package main

import (
	"github.com/firebreak/firebreak/shared/awsdata"
	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/workflow"
)

func main() {
	coldstart.StartStep("gatherthreatinfo", (*workflow.Steps).GatherThreatInfo,
		coldstart.StepParts{AWSSource: awsdata.DataSource})
}
