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
