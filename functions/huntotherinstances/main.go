// Command huntotherinstances is the HuntOtherInstances step of the investigation state machine.
package main

import (
	"github.com/firebreak/firebreak/shared/awsdata"
	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/workflow"
)

func main() {
	coldstart.StartStep("huntotherinstances", (*workflow.Steps).HuntOtherInstances,
		coldstart.StepParts{AWSSource: awsdata.DataSource})
}
