package sfn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// dynamoDBActions are the DynamoDB integrations the engine supports, each
// with the request field besides TableName that it requires.
var dynamoDBActions = map[string]string{
	"getItem":    "Key",
	"putItem":    "Item",
	"updateItem": "Key",
	"deleteItem": "Key",
}

// parseDynamoDB resolves arn:aws:states:::dynamodb:<action>.
func parseDynamoDB(f fields, action string) taskResource {
	required, ok := dynamoDBActions[action]
	if !ok {
		f.problem("resource %q: the DynamoDB action %q is not supported by the local "+
			"engine yet; use getItem, putItem, updateItem or deleteItem", dynamoDBARN+action,
			action)
		return nil
	}
	params, _ := f.raw["Parameters"].(map[string]any)
	for _, k := range []string{"TableName", required} {
		_, lit := params[k]
		_, byPath := params[k+".$"]
		if !lit && !byPath {
			f.problem("Parameters of %s%s need %s", dynamoDBARN, action, k)
		}
	}
	call := func(ctx context.Context, s *step, args any) (any, error) {
		return s.e.callDynamoDB(ctx, action, args)
	}
	return &serviceTask{resourceType: "dynamodb", resource: action, call: call}
}

// callDynamoDB sends the task's Parameters to DynamoDB as the request of
// action, in the service's own JSON shape, and returns its response as the
// task result. A service error fails the task as DynamoDB.<error code>.
func (e *Engine) callDynamoDB(ctx context.Context, action string, args any) (any, error) {
	if e.dynamoDB == nil {
		return nil, &statesError{name: errTaskFailed, cause: "the local engine has no " +
			"DynamoDB endpoint; set Options.DynamoDBEndpoint"}
	}
	body, err := e.dynamoDB.call(ctx, action, []byte(encodeJSON(args)))
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &apiErr):
		return nil, &statesError{name: "DynamoDB." + apiErr.ErrorCode(), cause: fmt.Sprintf(
			"%s (Service: DynamoDb, Status Code: 400, Error Code: %s)",
			apiErr.ErrorMessage(), apiErr.ErrorCode())}
	case ctx.Err() != nil:
		return nil, context.Cause(ctx)
	case err != nil:
		return nil, &statesError{name: errTaskFailed, cause: err.Error()}
	}
	return decodeJSON(body)
}

// dynamoDBClient calls DynamoDB through the SDK's client, passing request
// and response bodies through untouched so that attribute values keep their
// wire shape ({"S": "…"}).
type dynamoDBClient struct {
	client *dynamodb.Client
}

func newDynamoDBClient(endpoint, region string) *dynamoDBClient {
	return &dynamoDBClient{client: dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})}
}

// call sends body as the request of action and returns the response body.
func (c *dynamoDBClient) call(ctx context.Context, action string, body []byte) ([]byte, error) {
	var raw []byte
	opt := func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, passThrough(body, &raw))
	}
	var err error
	switch action {
	case "getItem":
		_, err = c.client.GetItem(ctx, &dynamodb.GetItemInput{}, opt)
	case "putItem":
		_, err = c.client.PutItem(ctx, &dynamodb.PutItemInput{}, opt)
	case "updateItem":
		_, err = c.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{}, opt)
	case "deleteItem":
		_, err = c.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{}, opt)
	default:
		err = fmt.Errorf("unsupported DynamoDB action %q", action)
	}
	if err != nil {
		return nil, fmt.Errorf("dynamodb %s: %w", action, err)
	}
	return raw, nil
}

// passThrough makes an SDK operation send body as its request body instead
// of serializing its (empty) input, and copies the response body to raw.
func passThrough(body []byte, raw *[]byte) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		// the empty input would fail the SDK's validation of required fields
		_, _ = st.Initialize.Remove("OperationInputValidation")

		// replace the serialized request body before it is signed
		err := st.Build.Add(middleware.BuildMiddlewareFunc("FirebreakRequestBody",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (
				middleware.BuildOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					r, err := req.SetStream(bytes.NewReader(body))
					if err != nil {
						return middleware.BuildOutput{}, middleware.Metadata{}, err
					}
					in.Request = r
				}
				return next.HandleBuild(ctx, in)
			}), middleware.Before)
		if err != nil {
			return err
		}

		// keep a copy of the response body for the caller
		return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("FirebreakResponseBody",
			func(ctx context.Context, in middleware.DeserializeInput,
				next middleware.DeserializeHandler) (middleware.DeserializeOutput,
				middleware.Metadata, error) {
				out, md, err := next.HandleDeserialize(ctx, in)
				if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && err == nil {
					b, readErr := io.ReadAll(resp.Body)
					resp.Body = io.NopCloser(bytes.NewReader(b))
					*raw = b
					err = readErr
				}
				return out, md, err
			}), middleware.After)
	}
}
