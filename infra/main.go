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

	// the stack, with the firebreak.yaml the functions are built with
	app := awscdk.NewApp(nil)
	_, err = NewStack(app, stack.Firebreak, store.TableSchema, firebreak.ConfigYAML, root)
	if err != nil {
		return err
	}
	app.Synth(nil)
	return nil
}
