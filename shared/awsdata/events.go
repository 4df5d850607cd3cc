package awsdata

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

// lookupPageSize is the most events LookupEvents returns a page.
const lookupPageSize = 50

// trail is the CloudTrail events one lookup found, newest first.
type trail struct {
	events []event
	// truncated reports more events than the pages read held.
	truncated bool
}

// event is one CloudTrail event, as much of it as an investigation uses.
type event struct {
	name        string // eventName, such as "ListBuckets"
	source      string // eventSource, such as "s3.amazonaws.com"
	ip          string // canonical source IP; "" for a call an AWS service made
	userAgent   string
	errorCode   string
	principal   principal // userIdentity.arn
	accessKeyID string
	resources   []types.Resource
}

// record is the part of a CloudTrail record (the event's CloudTrailEvent
// JSON) the source reads.
type record struct {
	EventName       string `json:"eventName"`
	EventSource     string `json:"eventSource"`
	SourceIPAddress string `json:"sourceIPAddress"`
	UserAgent       string `json:"userAgent"`
	ErrorCode       string `json:"errorCode"`
	UserIdentity    struct {
		ARN         string `json:"arn"`
		AccessKeyID string `json:"accessKeyId"`
	} `json:"userIdentity"`
	Resources []struct {
		ARN  string `json:"ARN"`
		Type string `json:"type"`
	} `json:"resources"`
}

// lookup returns the events of t's CloudTrail event history in the
// source's window whose attribute key has value, reading at most
// s.maxPages pages.
func (s *Source) lookup(ctx context.Context, t target, key types.LookupAttributeKey,
	value string) (trail, error) {
	end := s.now()
	in := &cloudtrail.LookupEventsInput{
		LookupAttributes: []types.LookupAttribute{{AttributeKey: key,
			AttributeValue: aws.String(value)}},
		StartTime:  aws.Time(end.Add(-s.window)),
		EndTime:    aws.Time(end),
		MaxResults: aws.Int32(lookupPageSize),
	}
	p := cloudtrail.NewLookupEventsPaginator(t.CloudTrail, in)
	var tr trail
	for pages := 0; p.HasMorePages(); pages++ {
		if pages == s.maxPages {
			tr.truncated = true
			break
		}
		out, err := p.NextPage(ctx)
		if err != nil {
			return trail{}, t.fail("cloudtrail:LookupEvents",
				fmt.Errorf("look up CloudTrail events by %s %s: %w", key, value, err))
		}
		for _, ev := range out.Events {
			tr.events = append(tr.events, parseEvent(ev))
		}
	}
	return tr, nil
}

// parseEvent reads one event and its CloudTrail record. A record that does
// not parse leaves what the event itself says.
func parseEvent(ev types.Event) event {
	e := event{
		name:        aws.ToString(ev.EventName),
		source:      aws.ToString(ev.EventSource),
		accessKeyID: aws.ToString(ev.AccessKeyId),
		resources:   ev.Resources,
	}
	var r record
	if json.Unmarshal([]byte(aws.ToString(ev.CloudTrailEvent)), &r) != nil {
		return e
	}
	e.ip = ipKey(r.SourceIPAddress)
	e.userAgent = r.UserAgent
	e.errorCode = r.ErrorCode
	e.principal = parsePrincipal(r.UserIdentity.ARN)
	if r.UserIdentity.AccessKeyID != "" {
		e.accessKeyID = r.UserIdentity.AccessKeyID
	}
	for _, res := range r.Resources {
		e.resources = append(e.resources, types.Resource{ResourceName: aws.String(res.ARN),
			ResourceType: aws.String(res.Type)})
	}
	return e
}

// by keeps the events of principal p: a lookup by Username also finds
// other principals of that name, such as a session named like a user.
func (tr trail) by(p principal) trail {
	kept := trail{truncated: tr.truncated}
	for _, e := range tr.events {
		if p.same(e.principal) {
			kept.events = append(kept.events, e)
		}
	}
	return kept
}
