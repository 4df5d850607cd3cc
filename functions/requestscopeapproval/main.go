// Command requestscopeapproval is the RequestScopeApproval step of the investigation state machine.
package main

import (
	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/workflow"
)

func main() {
	coldstart.StartStep("requestscopeapproval", (*workflow.Steps).RequestScopeApproval,
		coldstart.StepParts{})
}
