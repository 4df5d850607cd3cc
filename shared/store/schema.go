package store

// Schema describes the single table: its keys, secondary indexes and TTL
// attribute. The CDK app creates the table from it and the local host
// creates the same table in DynamoDB Local, so both have one shape.
type Schema struct {
	PartitionKey string
	SortKey      string
	Indexes      []Index
	// TTLAttribute holds an item's expiry in Unix seconds.
	TTLAttribute string
}

// Index is a global secondary index projecting all attributes. Keys are
// strings.
type Index struct {
	Name         string
	PartitionKey string
	SortKey      string
}

// Attribute names of the table's keys.
const (
	attrPK       = "pk"
	attrSK       = "sk"
	attrGSI1PK   = "gsi1pk"
	attrGSI1SK   = "gsi1sk"
	attrGSI2PK   = "gsi2pk"
	attrGSI2SK   = "gsi2sk"
	attrTTL      = "expires_at"
	indexStatus  = "by-status"
	indexPending = "by-pending"
)

// TableSchema is Firebreak's table. The by-status index lists
// investigations by status and creation time; by-pending lists actions
// waiting for approval, oldest first.
var TableSchema = Schema{
	PartitionKey: attrPK,
	SortKey:      attrSK,
	Indexes: []Index{
		{Name: indexStatus, PartitionKey: attrGSI1PK, SortKey: attrGSI1SK},
		{Name: indexPending, PartitionKey: attrGSI2PK, SortKey: attrGSI2SK},
	},
	TTLAttribute: attrTTL,
}
