package sfn

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// benchmarkStates is the number of states in the benchmark's machine.
const benchmarkStates = 20

// benchmarkMachine is a chain of benchmarkStates states alternating Pass and
// Task, the Tasks invoking an in-process handler through lambda:invoke.
func benchmarkMachine() string {
	var states []string
	for i := range benchmarkStates {
		next := fmt.Sprintf(`"Next": "S%d"`, i+1)
		if i == benchmarkStates-1 {
			next = `"End": true`
		}
		if i%2 == 0 {
			states = append(states, fmt.Sprintf(`"S%d": {"Type": "Pass",
				"Parameters": {"id.$": "$.id", "step": %d}, %s}`, i, i, next))
			continue
		}
		states = append(states, fmt.Sprintf(`"S%d": {"Type": "Task",
			"Resource": "arn:aws:states:::lambda:invoke",
			"Parameters": {"FunctionName": "echo", "Payload.$": "$"},
			"ResultSelector": {"id.$": "$.Payload.id"}, %s}`, i, next))
	}
	return machine("S0", strings.Join(states, ","))
}

// BenchmarkTransitions measures state transitions per second of the engine
// alone (no HTTP), running one execution of a 20-state machine per iteration.
func BenchmarkTransitions(b *testing.B) {
	echo := lambda.NewHandler(func(in map[string]any) (map[string]any, error) {
		return in, nil
	})
	e := mustNew(b, Options{Functions: map[string]lambda.Handler{"echo": echo}})
	defer e.Close()
	arn, err := e.CreateStateMachine(context.Background(), "bench", benchmarkMachine())
	if err != nil {
		b.Fatalf("CreateStateMachine: %v", err)
	}

	b.ResetTimer()
	start := time.Now()
	for range b.N {
		x, err := e.startExecution(arn, "", `{"id": "inv-1"}`)
		if err != nil {
			b.Fatalf("startExecution: %v", err)
		}
		<-x.done
		if status := x.listItem().Status; status != statusSucceeded {
			b.Fatalf("status: got %s, want %s", status, statusSucceeded)
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N*benchmarkStates)/elapsed.Seconds(), "transitions/s")
}

// BenchmarkWaitingExecutionMemory measures the memory an execution holds
// while its task waits on a task token, the state every investigation
// awaiting approval is in, as bytes/execution.
func BenchmarkWaitingExecutionMemory(b *testing.B) {
	// an engine whose function hands out tokens and never answers
	approve := lambda.NewHandler(func(struct{}) error { return nil })
	e := mustNew(b, Options{Functions: map[string]lambda.Handler{"approve": approve}})
	defer e.Close()
	arn, err := e.CreateStateMachine(context.Background(), "waiting", callbackMachine(""))
	if err != nil {
		b.Fatalf("CreateStateMachine: %v", err)
	}

	// start b.N executions and let each reach its wait
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range b.N {
		if _, err := e.startExecution(arn, "", `{"action": "isolate-host"}`); err != nil {
			b.Fatalf("startExecution: %v", err)
		}
	}
	for e.waitingTasks() < b.N {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(b.N), "bytes/execution")
}

// waitingTasks counts the tasks waiting on a token.
func (e *Engine) waitingTasks() int {
	e.tokens.mu.Lock()
	defer e.tokens.mu.Unlock()
	return len(e.tokens.open)
}
