package sfn

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
)

// TestDynamoDBIntegrations follows the AWS docs "Call DynamoDB with Step
// Functions": putItem, getItem, updateItem and deleteItem take the
// service's request in its own JSON shape, return its response as the
// result, and a service error fails the task as DynamoDB.<error code>.
// It runs against DynamoDB Local.
func TestDynamoDBIntegrations(t *testing.T) {
	// a table in DynamoDB Local
	endpoint := dynamodblocal.Endpoint(t)
	ctx := context.Background()
	db := dynamodblocal.NewClient(endpoint)
	table := "sfn-" + uniqueName(t)
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}

	// put, update, get, then a conditional put that fails and is caught
	h := newHarnessWith(t, Options{DynamoDBEndpoint: endpoint})
	key := `{"pk": {"S.$": "$.id"}}`
	out := h.run(t, machine("Put", `
		"Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
			"Parameters": {"TableName": "`+table+`",
				"Item": {"pk": {"S.$": "$.id"}, "status": {"S": "running"}}},
			"ResultPath": null, "Next": "Update"},
		"Update": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
			"Parameters": {"TableName": "`+table+`", "Key": `+key+`,
				"UpdateExpression": "SET #s = :s",
				"ExpressionAttributeNames": {"#s": "status"},
				"ExpressionAttributeValues": {":s": {"S": "remediated"}},
				"ReturnValues": "UPDATED_NEW"},
			"ResultPath": "$.updated", "Next": "Get"},
		"Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
			"Parameters": {"TableName": "`+table+`", "Key": `+key+`},
			"ResultSelector": {"status.$": "$.Item.status.S"}, "ResultPath": "$.got",
			"Next": "PutAgain"},
		"PutAgain": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
			"Parameters": {"TableName": "`+table+`", "Item": {"pk": {"S.$": "$.id"}},
				"ConditionExpression": "attribute_not_exists(pk)"},
			"Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
				"ResultPath": "$.conflict", "Next": "Delete"}], "Next": "Delete"},
		"Delete": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:deleteItem",
			"Parameters": {"TableName": "`+table+`", "Key": `+key+`},
			"ResultPath": null, "OutputPath": "$.got", "End": true}`), `{"id": "INV#1"}`)
	wantStatus(t, out, types.ExecutionStatusSucceeded)
	wantJSON(t, "output", aws.ToString(out.Output), `{"status": "remediated"}`)

	// the item is gone
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table),
		Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{
			Value: "INV#1"}}})
	if err != nil || got.Item != nil {
		t.Errorf("GetItem after deleteItem: got %v, %v, want no item", got.Item, err)
	}
}
