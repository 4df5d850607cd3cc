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
// It supports the JSONPath query language: every state type (Parallel, and Map
// in INLINE mode with ItemSelector or Parameters, ItemProcessor or Iterator,
// MaxConcurrency and tolerated failures), input and output processing, the
// context object including $$.Task.Token and $$.Map.Item, every intrinsic
// function, Retry and Catch on Task, Parallel and Map states, and
// TimeoutSeconds, TimeoutSecondsPath and HeartbeatSeconds. Task resources
// are Lambda (a function ARN, lambda:invoke and its .waitForTaskToken
// form) and DynamoDB's getItem,
// putItem, updateItem and deleteItem against Options.DynamoDBEndpoint.
// JSONata, activities, .sync integrations, distributed Map, other services and
// HeartbeatSecondsPath are rejected when a state machine is created,
// so a definition never fails at run time for lack of support.
//
// Service integrations can be mocked per test case in the AWS Step Functions
// Local mock-config format; see [MockConfig].
//
// Without Options.StateDir everything is held in memory. With it, state
// machines and executions are persisted as JSON files, and New resumes the
// executions that were running: each at the top-level state it had entered,
// a task waiting on a token keeping that token. A resumed state runs again
// from its start (Firebreak's steps are idempotent, as Step Functions' own
// retries require); a Parallel or Map state reruns as a whole, its callback
// tasks receiving the same tokens and any answer already sent.
//
// An [Engine] is safe for concurrent use. Executions run in their own goroutines
// from StartExecution until they end, are stopped, or [Engine.Close] is called.
package sfn
