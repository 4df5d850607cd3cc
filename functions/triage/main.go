// Command triage is the Triage step of the investigation state machine.
package main

import (
	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/workflow"
)

func main() {
	coldstart.StartStep("triage", (*workflow.Steps).Triage, coldstart.StepParts{})
}
