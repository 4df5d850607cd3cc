// Command expandscope is the ExpandScope step of the investigation state machine.
package main

import (
	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/workflow"
)

func main() {
	coldstart.StartStep("expandscope", (*workflow.Steps).ExpandScope,
		coldstart.StepParts{})
}
