// Package sfn is the local Step Functions engine: it runs Amazon States Language
// definitions in process and serves the Step Functions JSON 1.0 protocol, so the
// unchanged aws-sdk-go-v2 sfn client and the AWS CLI reach it through
// AWS_ENDPOINT_URL_SFN or --endpoint-url.
//
// The engine runs the very ASL file that CDK deploys. Task states invoke Lambda
// handlers in process through [lambda.Handler.Invoke], so payloads go through the
// same JSON marshalling as in Lambda, and a handler's error reaches Retry and Catch
// under the name it has on AWS: its Go type name, as aws-lambda-go reports it.
//
// This first cut supports the JSONPath query language with the Pass, Task, Choice,
// Wait, Succeed and Fail states. Parallel and Map states, intrinsic functions,
// JSONata, callbacks (.waitForTaskToken) and activities are rejected when a state
// machine is created, so a definition never fails at run time for lack of support.
// Everything is held in memory; executions do not survive the process.
//
// An [Engine] is safe for concurrent use. Executions run in their own goroutines
// from StartExecution until they end, are stopped, or [Engine.Close] is called.
package sfn
