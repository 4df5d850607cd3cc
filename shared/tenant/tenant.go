// Package tenant is the simulated tenant: hosts with their files, and
// users, held in Firebreak's DynamoDB table and changed by remediation, so
// an investigation runs end to end with no real environment and a test can
// see what remediation did.
//
// The tenant is seeded from events/tenant/tenant.json. It is the embedded
// default provider; real environments (AWS, Microsoft) sit behind the same
// interfaces in later providers.
package tenant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DB lists the DynamoDB operations the tenant calls.
type DB interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (
		*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (
		*dynamodb.PutItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (
		*dynamodb.QueryOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (
		*dynamodb.TransactWriteItemsOutput, error)
}

// Snapshot is a whole tenant as events/tenant/tenant.json describes it.
type Snapshot struct {
	Hosts []Host `json:"hosts"`
	Users []User `json:"users"`
}

// Host is a machine: a cloud instance or a managed device. ID is the key
// alerts use for it (an EC2 instance id, a device id).
type Host struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	OS       string   `json:"os,omitempty"`
	Critical bool     `json:"critical,omitempty"`
	Users    []string `json:"users,omitempty"`
	Files    []File   `json:"files,omitempty"`
}

// File is a file on a host, identified by its SHA-256 and path.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
}

// User is an account in the tenant's directory.
type User struct {
	ID          string `json:"id"` // lower-cased UPN, email or principal ARN
	DisplayName string `json:"display_name,omitempty"`
	MFA         bool   `json:"mfa"`
	Enabled     bool   `json:"enabled"`
}

// ErrNoSuchFile means a host holds no file with the given hash, and never
// had one quarantined: the action has nothing to act on.
var ErrNoSuchFile = errors.New("no such file on the host")

// Tenant reads and changes the simulated tenant. It is safe for concurrent
// use.
type Tenant struct {
	db    DB
	table string
}

// New returns the tenant kept in the table named table.
func New(db DB, table string) *Tenant { return &Tenant{db: db, table: table} }

// ReadSnapshot decodes and checks a tenant description.
func ReadSnapshot(r io.Reader) (Snapshot, error) {
	var snap Snapshot
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&snap); err != nil {
		return Snapshot{}, fmt.Errorf("read tenant: %w", err)
	}
	for i, h := range snap.Hosts {
		if h.ID == "" {
			return Snapshot{}, fmt.Errorf("read tenant: hosts[%d]: id is empty", i)
		}
		for j, f := range h.Files {
			if len(f.SHA256) != 64 || f.Path == "" {
				return Snapshot{}, fmt.Errorf(
					"read tenant: host %s files[%d]: want a path and a 64-digit sha256", h.ID, j)
			}
			h.Files[j].SHA256 = strings.ToLower(f.SHA256)
		}
	}
	return snap, nil
}

// Keys of the tenant's items, apart from Firebreak's own.
const (
	prefixSeeded     = "TENANT#SEEDED"
	prefixHost       = "TENANT#HOST#"
	prefixUser       = "TENANT#USER#"
	skMeta           = "META"
	prefixFile       = "FILE#"
	prefixQuarantine = "QUARANTINE#"
)

type hostItem struct {
	PK       string   `dynamodbav:"pk"`
	SK       string   `dynamodbav:"sk"`
	Name     string   `dynamodbav:"name"`
	OS       string   `dynamodbav:"os"`
	Critical bool     `dynamodbav:"critical"`
	Users    []string `dynamodbav:"users"`
}

type fileItem struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	Path   string `dynamodbav:"path"`
	SHA256 string `dynamodbav:"sha256"`
}

type userItem struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
	User
}

func fileSK(prefix string, f File) string { return prefix + f.SHA256 + "#" + f.Path }

// SeedOnce seeds snap unless the table was seeded before, so a restarted
// local host keeps what remediation changed. It reports whether it seeded.
func (t *Tenant) SeedOnce(ctx context.Context, snap Snapshot) (bool, error) {
	_, err := t.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &t.table,
		Item:                key(prefixSeeded, skMeta),
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mark the tenant seeded: %w", err)
	}
	return true, t.Seed(ctx, snap)
}

// Seed writes snap into the table, replacing hosts and users with the
// same ids. Files quarantined earlier stay quarantined records.
func (t *Tenant) Seed(ctx context.Context, snap Snapshot) error {
	for _, h := range snap.Hosts {
		if err := t.put(ctx, hostItem{prefixHost + h.ID, skMeta, h.Name, h.OS, h.Critical,
			h.Users}); err != nil {
			return fmt.Errorf("seed host %s: %w", h.ID, err)
		}
		for _, f := range h.Files {
			if err := t.put(ctx, fileItem{prefixHost + h.ID, fileSK(prefixFile, f), f.Path,
				f.SHA256}); err != nil {
				return fmt.Errorf("seed file %s on %s: %w", f.Path, h.ID, err)
			}
		}
	}
	for _, u := range snap.Users {
		if err := t.put(ctx, userItem{prefixUser + u.ID, skMeta, u}); err != nil {
			return fmt.Errorf("seed user %s: %w", u.ID, err)
		}
	}
	return nil
}

func (t *Tenant) put(ctx context.Context, item any) error {
	m, err := attributevalue.MarshalMap(item)
	if err != nil {
		return err
	}
	_, err = t.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &t.table, Item: m})
	return err
}

// Host returns host id with the files it holds now; ok is false when the
// tenant has no such host.
func (t *Tenant) Host(ctx context.Context, id string) (h Host, ok bool, err error) {
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &t.table,
		Key: key(prefixHost+id, skMeta), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Host{}, false, fmt.Errorf("read host %s: %w", id, err)
	}
	if out.Item == nil {
		return Host{}, false, nil
	}
	var it hostItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return Host{}, false, fmt.Errorf("decode host %s: %w", id, err)
	}
	files, err := t.files(ctx, id, prefixFile)
	if err != nil {
		return Host{}, false, err
	}
	return Host{ID: id, Name: it.Name, OS: it.OS, Critical: it.Critical, Users: it.Users,
		Files: files}, true, nil
}

// FilesOnHost returns the files on host hostID whose SHA-256 is sha256.
func (t *Tenant) FilesOnHost(ctx context.Context, hostID, sha256 string) ([]File, error) {
	return t.files(ctx, hostID, prefixFile+strings.ToLower(sha256)+"#")
}

// Quarantined returns the files of hash sha256 quarantined on hostID.
func (t *Tenant) Quarantined(ctx context.Context, hostID, sha256 string) ([]File, error) {
	return t.files(ctx, hostID, prefixQuarantine+strings.ToLower(sha256)+"#")
}

// files queries a host's items whose sort key starts with prefix.
func (t *Tenant) files(ctx context.Context, hostID, prefix string) ([]File, error) {
	cond := expression.Key("pk").Equal(expression.Value(prefixHost + hostID)).
		And(expression.Key("sk").BeginsWith(prefix))
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("build file query: %w", err)
	}
	p := dynamodb.NewQueryPaginator(t.db, &dynamodb.QueryInput{
		TableName:                 &t.table,
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	})
	var files []File
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read files of %s: %w", hostID, err)
		}
		for _, m := range out.Items {
			var it fileItem
			if err := attributevalue.UnmarshalMap(m, &it); err != nil {
				return nil, fmt.Errorf("decode file of %s: %w", hostID, err)
			}
			files = append(files, File{Path: it.Path, SHA256: it.SHA256})
		}
	}
	return files, nil
}

// Quarantine is what quarantining a file did.
type Quarantine struct {
	// Paths are the paths removed from the host now.
	Paths []string
	// AlreadyQuarantined is true when an earlier run had removed them all,
	// as when a retried action runs again.
	AlreadyQuarantined bool
}

// QuarantineFile removes every copy of the file with hash sha256 from host
// hostID and records each in the host's quarantine, one transaction per
// copy. Running it again after it succeeded changes nothing and reports
// AlreadyQuarantined. A host that never held the file gives ErrNoSuchFile.
func (t *Tenant) QuarantineFile(ctx context.Context, hostID, sha256 string) (Quarantine, error) {
	files, err := t.FilesOnHost(ctx, hostID, sha256)
	if err != nil {
		return Quarantine{}, err
	}
	if len(files) == 0 {
		return t.alreadyQuarantined(ctx, hostID, sha256)
	}
	var q Quarantine
	for _, f := range files {
		moved, err := t.moveToQuarantine(ctx, hostID, f)
		if err != nil {
			return Quarantine{}, err
		}
		if moved {
			q.Paths = append(q.Paths, f.Path)
		}
	}
	q.AlreadyQuarantined = len(q.Paths) == 0
	return q, nil
}

func (t *Tenant) alreadyQuarantined(ctx context.Context, hostID, sha256 string) (
	Quarantine, error) {
	done, err := t.Quarantined(ctx, hostID, sha256)
	if err != nil {
		return Quarantine{}, err
	}
	if len(done) == 0 {
		return Quarantine{}, fmt.Errorf("quarantine %s on %s: %w", sha256, hostID, ErrNoSuchFile)
	}
	return Quarantine{AlreadyQuarantined: true}, nil
}

// moveToQuarantine deletes one file item and records it quarantined, at
// once. moved is false when another run moved it first.
func (t *Tenant) moveToQuarantine(ctx context.Context, hostID string, f File) (bool, error) {
	record, err := attributevalue.MarshalMap(fileItem{prefixHost + hostID,
		fileSK(prefixQuarantine, f), f.Path, f.SHA256})
	if err != nil {
		return false, err
	}
	_, err = t.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Delete: &types.Delete{TableName: &t.table,
				Key:                 key(prefixHost+hostID, fileSK(prefixFile, f)),
				ConditionExpression: aws.String("attribute_exists(pk)")}},
			{Put: &types.Put{TableName: &t.table, Item: record}},
		},
	})
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) && len(tce.CancellationReasons) > 0 &&
		aws.ToString(tce.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("quarantine %s on %s: %w", f.Path, hostID, err)
	}
	return true, nil
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberS{Value: sk},
	}
}
