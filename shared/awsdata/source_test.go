package awsdata_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/awsdata"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/store"
	"github.com/google/go-cmp/cmp"
)

// question is one of the four a DataSource answers.
type question struct {
	name string
	ask  func(*awsdata.Source, context.Context, alert.Entity) (datasource.Finding, error)
}

var questions = []question{
	{"Describe", (*awsdata.Source).Describe},
	{"Origin", (*awsdata.Source).Origin},
	{"Affected", (*awsdata.Source).Affected},
	{"Hunt", (*awsdata.Source).Hunt},
}

func TestUnknownEntitiesGiveEmptyFindings(t *testing.T) {
	tests := []struct {
		name   string
		entity alert.Entity
		// stub queues the answers AWS gives about the entity.
		stub func(*fakes)
	}{
		{name: "ip", entity: alert.Entity{Type: alert.EntityIP, Key: "198.51.100.77"}},
		{name: "device id", entity: alert.Entity{Type: alert.EntityHost,
			Key: "3f2a9c1e7b0d4e5f8a6b1c2d3e4f5a6b"}},
		{name: "user by UPN", entity: alert.Entity{Type: alert.EntityUser,
			Key: "alex.doe@example.com"}},
		{name: "root", entity: alert.Entity{Type: alert.EntityUser,
			Key: "arn:aws:iam::123456789012:root"}},
		{name: "session key", entity: alert.Entity{Type: alert.EntityAccessKey,
			Key: "ASIAEXAMPLETEMPKEY01", Attributes: map[string]string{
				"user": "arn:aws:sts::123456789012:assumed-role/ci-deploy-role/jamie.roe"}},
			stub: func(fs *fakes) {
				fs.cloudTrail.on("LookupEvents", 200, `{"Events":[]}`) // Origin
				fs.cloudTrail.on("LookupEvents", 200, `{"Events":[]}`) // Affected
				fs.cloudTrail.on("LookupEvents", 200, `{"Events":[]}`) // Hunt
			}},
		{name: "instance gone", entity: appServer, stub: func(fs *fakes) {
			fs.ec2.onFile("DescribeInstances", 400, "ec2/InvalidInstanceID.NotFound.xml")
			fs.ec2.onFile("DescribeInstances", 400, "ec2/InvalidInstanceID.NotFound.xml")
		}},
		{name: "user gone", entity: alex, stub: func(fs *fakes) {
			fs.iam.onFile("GetUser", 404, "iam/NoSuchEntity.xml")
			fs.cloudTrail.on("LookupEvents", 200, `{"Events":[]}`) // Origin
			fs.cloudTrail.on("LookupEvents", 200, `{"Events":[]}`) // Affected
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, fs := newSource(t)
			if tt.stub != nil {
				tt.stub(fs)
			}
			for _, q := range questions {
				got, err := q.ask(src, context.Background(), tt.entity)
				if err != nil {
					t.Fatalf("%s: %v", q.name, err)
				}
				if !cmp.Equal(got, datasource.Finding{}) {
					t.Errorf("%s = %+v, want an empty finding", q.name, got)
				}
			}
		})
	}
}

func TestAWSErrorsAreClassified(t *testing.T) {
	tests := []struct {
		name   string
		entity alert.Entity
		stub   func(*fakes)
		ask    string
		// wantOp is the operation an *AccessError names, "" for none.
		wantOp        string
		wantTransient bool
	}{
		{"IAM AccessDenied", alexKey, func(fs *fakes) {
			fs.iam.onFile("ListAccessKeys", 403, "iam/AccessDenied.xml")
		}, "Describe", "iam:ListAccessKeys", false},
		{"EC2 UnauthorizedOperation", appServer, func(fs *fakes) {
			fs.ec2.onFile("DescribeInstances", 403, "ec2/UnauthorizedOperation.xml")
		}, "Describe", "ec2:DescribeInstances", false},
		{"CloudTrail AccessDeniedException", alexKey, func(fs *fakes) {
			fs.cloudTrail.on("LookupEvents", 400, `{"__type":"AccessDeniedException",`+
				`"message":"not authorized to perform cloudtrail:LookupEvents"}`)
		}, "Origin", "cloudtrail:LookupEvents", false},
		{"CloudTrail ThrottlingException", alexKey, func(fs *fakes) {
			fs.cloudTrail.on("LookupEvents", 400,
				`{"__type":"ThrottlingException","message":"Rate exceeded"}`)
		}, "Affected", "", true},
		{"IAM Throttling", alex, func(fs *fakes) {
			fs.iam.onFile("GetUser", 400, "iam/Throttling.xml")
		}, "Describe", "", true},
		{"EC2 503", appServer, func(fs *fakes) {
			fs.ec2.onFile("DescribeInstances", 503, "ec2/Unavailable.xml")
		}, "Affected", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, fs := newSource(t)
			tt.stub(fs)
			_, err := ask(t, src, tt.ask, tt.entity)
			if err == nil {
				t.Fatalf("%s error = nil, want one", tt.ask)
			}

			var ae *awsdata.AccessError
			gotOp := ""
			if errors.As(err, &ae) {
				gotOp = ae.Operation
			}
			if gotOp != tt.wantOp {
				t.Errorf("AccessError operation = %q, want %q (error %v)", gotOp, tt.wantOp, err)
			}
			if tt.wantOp != "" && !strings.Contains(err.Error(), tt.wantOp) {
				t.Errorf("error %q does not name %s", err, tt.wantOp)
			}
			if got := store.Transient(err); got != tt.wantTransient {
				t.Errorf("Transient(%v) = %v, want %v", err, got, tt.wantTransient)
			}
		})
	}
}

func TestAccessErrorIsOutermost(t *testing.T) {
	src, fs := newSource(t)
	fs.iam.onFile("ListAccessKeys", 403, "iam/AccessDenied.xml")

	_, err := src.Describe(context.Background(), alexKey)
	ae, ok := err.(*awsdata.AccessError)
	if !ok {
		t.Fatalf("Describe error is %T, want *awsdata.AccessError", err)
	}
	want := "access denied to iam:ListAccessKeys in account 123456789012: "
	if !strings.HasPrefix(ae.Error(), want) {
		t.Errorf("Error() = %q, want it to start %q", ae.Error(), want)
	}
}

func TestClientsAreMadeForEntityAccountAndRegion(t *testing.T) {
	tests := []struct {
		name   string
		entity alert.Entity
		want   string // account/region
	}{
		{"attributes", appServer, "123456789012/us-east-1"},
		{"ARN", alert.Entity{Type: alert.EntityHost, Key: "i-0c5d7e9f1a3b5c7d9",
			Attributes: map[string]string{
				"arn": "arn:aws:ec2:eu-west-1:210987654321:instance/i-0c5d7e9f1a3b5c7d9"}},
			"210987654321/eu-west-1"},
		{"default region", alert.Entity{Type: alert.EntityHost, Key: "i-0c5d7e9f1a3b5c7d9",
			Attributes: map[string]string{"account_id": "123456789012"}},
			"123456789012/ap-south-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, fs := newSource(t, awsdata.WithRegion("ap-south-1"))
			fs.ec2.onFile("DescribeInstances", 200, "ec2/DescribeInstances.xml")
			fs.ec2.onFile("DescribeInstances", 200, "ec2/DescribeInstances.xml")

			for range 2 {
				if _, err := src.Describe(context.Background(), tt.entity); err != nil {
					t.Fatalf("Describe: %v", err)
				}
			}
			if diff := cmp.Diff([]string{tt.want}, fs.scopes); diff != "" {
				t.Errorf("clients made for (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewAsksWithConfig(t *testing.T) {
	ec2 := newFake(t)
	ec2.onFile("DescribeInstances", 200, "ec2/DescribeInstances.xml")
	cfg := testConfig("us-east-1")
	cfg.BaseEndpoint = aws.String(ec2.url)

	src := awsdata.New(cfg)
	got, err := src.Describe(context.Background(), appServer)
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if !got.Critical || len(got.Evidence) != 1 {
		t.Errorf("Describe = %+v, want the critical instance described", got)
	}
	if src.Name() != "aws" {
		t.Errorf("Name() = %q, want %q", src.Name(), "aws")
	}
}

// ask asks src question name about e.
func ask(t *testing.T, src *awsdata.Source, name string, e alert.Entity) (
	datasource.Finding, error) {
	t.Helper()
	for _, q := range questions {
		if q.name == name {
			return q.ask(src, context.Background(), e)
		}
	}
	t.Fatalf("no question %s", name)
	return datasource.Finding{}, nil
}
