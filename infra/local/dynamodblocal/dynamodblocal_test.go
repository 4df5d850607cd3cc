package dynamodblocal

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func TestMain(m *testing.M) { os.Exit(RunTests(m)) }

func TestStartAnswersDynamoDBRequests(t *testing.T) {
	db := NewClient(Endpoint(t))
	out, err := db.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	if len(out.TableNames) != 0 {
		t.Errorf("got tables %v in a new in-memory emulator, want none", out.TableNames)
	}
}

func TestStopEndsTheEmulator(t *testing.T) {
	s, err := Start(context.Background())
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	s.Stop()
	s.Stop() // a second Stop is harmless
	_, err = NewClient(s.Endpoint).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err == nil {
		t.Errorf("ListTables after Stop succeeded, want a connection error")
	}
}

func TestFindInstallHonoursOverride(t *testing.T) {
	t.Setenv(EnvDir, t.TempDir())
	if _, err := FindInstall(); err == nil {
		t.Errorf("FindInstall with an empty override folder succeeded, want ErrNotInstalled")
	}
}
