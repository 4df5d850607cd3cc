package host

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// waitPoll is how often WaitForExecution asks.
const waitPoll = 20 * time.Millisecond

// WaitForExecution polls investigation id's execution through the host's
// Step Functions endpoint, as any client would, until it stops running or
// ctx is done, and returns its final status.
func (h *Host) WaitForExecution(ctx context.Context, id string) (sfntypes.ExecutionStatus, error) {
	client := sfn.New(sfn.Options{BaseEndpoint: aws.String(h.URL), Region: Region,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	for {
		out, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{
			ExecutionArn: aws.String(h.ExecutionARN(id))})
		if err != nil {
			return "", fmt.Errorf("describe execution of %s: %w", id, err)
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			return out.Status, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("execution of %s still running: %w", id, ctx.Err())
		case <-time.After(waitPoll):
		}
	}
}

// idlePoll is how often WaitIdle looks.
const idlePoll = 50 * time.Millisecond

// WaitIdle blocks until the host has been idle for quiet: no function
// invoked and no state transition in that time. Executions still running
// then wait on something that takes no work, a person's approval or a
// timer. It returns ctx's error if ctx ends first.
func (h *Host) WaitIdle(ctx context.Context, quiet time.Duration) error {
	last, since := h.engine.Stats().Transitions, time.Now()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the host to go idle: %w", ctx.Err())
		case <-time.After(idlePoll):
		}
		now := h.engine.Stats().Transitions
		if now != last || h.meter.Busy() {
			last, since = now, time.Now()
			continue
		}
		if time.Since(since) >= quiet {
			return nil
		}
	}
}
