// Command decide is the Decide step of the investigation state machine.
package main

import (
	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/workflow"
)

func main() {
	coldstart.StartStep("decide", (*workflow.Steps).Decide, coldstart.StepParts{})
}
