// Command remediate is the Remediate step of the investigation state machine.
package main

import (
	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/coldstart/remediators"
	"github.com/firebreak/firebreak/shared/workflow"
)

func main() {
	coldstart.StartStep("remediate", (*workflow.Steps).Remediate,
		coldstart.StepParts{Remediators: remediators.New})
}
