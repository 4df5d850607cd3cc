// Command finalize is the Finalize step of the investigation state machine.
package main

import (
	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/workflow"
)

func main() {
	coldstart.StartStep("finalize", (*workflow.Steps).Finalize, coldstart.StepParts{})
}
