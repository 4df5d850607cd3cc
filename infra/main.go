// Command infra is Firebreak's CDK app. The CDK CLI runs it (cdk.json says
// "go run ./infra") from the repository root to synthesize the stack that
// stack.Firebreak and store.TableSchema describe, with the sources that
// firebreak.yaml lists; a firebreak.yaml that does not parse fails synth
// with its line and reason.
//
// The app reads each function's bootstrap binary from
// <assetDir>/<name>/bootstrap, where assetDir is the CDK context value
// "assetDir" (default "build/functions", relative to the repository root).
// infra/build-functions.sh builds them.
//
// With the context value "mainAccountId" (the main stack's account), the
// app also synthesizes FirebreakMember, the stack of each member account.
// Other context values: "isolationVpcId" (the VPC of the isolation
// security group; none without it) and "apiGatewayLogsRole" ("true" sets
// the account's API Gateway logging role). cdk-nag's AwsSolutions checks
// run at every synth.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "infra: %v\n", err)
		os.Exit(1)
	}
}

// run synthesizes the app into the folder the CLI asked for.
func run() error {
	defer jsii.Close()

	// the CLI runs the app from the folder holding cdk.json
	root, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("find repository root: %w", err)
	}

	// the stack, with the firebreak.yaml the functions are built with,
	// and the member accounts' stack when the context names the main
	// account
	app := awscdk.NewApp(nil)
	if err := newStacks(app, root); err != nil {
		return err
	}
	app.Synth(nil)
	return nil
}

// newStacks adds Firebreak's stacks to app, checked by cdk-nag at synth.
func newStacks(app awscdk.App, root string) error {
	checkApp(app)
	_, err := NewStack(app, stack.Firebreak, store.TableSchema, firebreak.ConfigYAML, root)
	if err != nil {
		return err
	}
	if app.Node().TryGetContext(jsii.String(contextMainAccountID)) == nil {
		return nil
	}
	_, err = NewMemberStack(app, stack.Firebreak)
	return err
}
