package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"

	"github.com/firebreak/firebreak/shared/config"
	"github.com/firebreak/firebreak/shared/stack"
)

// What the usage plan of the keyed sources lets each API key send: less
// than the whole stage (apiRateLimitPerSecond, apiBurstLimit), so that one
// runaway tool cannot starve the others.
const (
	keyRateLimitPerSecond = 10
	keyBurstLimit         = 20
	keyRequestsPerMonth   = 1_000_000
)

// sourceKey is the API Gateway API key of one ingest source.
type sourceKey struct {
	source string
	key    awsapigateway.ApiKey
}

// checkKeyedSources reports a source that asks for an API key when no
// route of s requires one, since its key would open nothing, and two
// keyed sources whose names make the same construct ID.
func checkKeyedSources(s stack.Stack, sources []config.Source) error {
	keyedRoute := false
	for _, rt := range s.Routes {
		keyedRoute = keyedRoute || rt.APIKeyRequired
	}
	ids := make(map[string]string)
	for _, src := range sources {
		if !src.APIKey {
			continue
		}
		if !keyedRoute {
			return fmt.Errorf("source %s: api_key is set but no route requires an API key",
				src.Name)
		}
		if err := claimID(ids, "source", src.Name); err != nil {
			return err
		}
	}
	return nil
}

// claimID records the construct ID of the named thing in ids, and reports
// a name that has none or whose ID another name already took.
func claimID(ids map[string]string, kind, name string) error {
	id := constructID(name)
	if id == "" {
		return fmt.Errorf("%s %q: the name needs a letter or digit", kind, name)
	}
	if other, ok := ids[id]; ok {
		return fmt.Errorf("%ss %q and %q: the names make the same construct ID %s",
			kind, other, name, id)
	}
	ids[id] = name
	return nil
}

// newSourceKeys creates an API key for each source that asks for one, in
// the order firebreak.yaml lists them. The keys have no value of ours:
// API Gateway generates it, and CloudFormation never holds it.
func newSourceKeys(st awscdk.Stack, s stack.Stack, sources []config.Source) []sourceKey {
	var keys []sourceKey
	for _, src := range sources {
		if !src.APIKey {
			continue
		}
		key := awsapigateway.NewApiKey(st, jsii.String(constructID(src.Name)+"APIKey"),
			&awsapigateway.ApiKeyProps{
				ApiKeyName:  physicalName(s, src.Name),
				Description: jsii.String("Firebreak ingest source " + src.Name),
				Enabled:     jsii.Bool(true),
			})
		keys = append(keys, sourceKey{source: src.Name, key: key})
	}
	return keys
}

// apiKeySources is the JSON object {"<API key id>": "<source>"} that tells
// the ingest function whose key a request carried. CloudFormation fills in
// the ids, which exist only once the keys do.
func apiKeySources(st awscdk.Stack, keys []sourceKey) *string {
	if len(keys) == 0 {
		return jsii.String("{}")
	}
	sources := make(map[string]any, len(keys))
	for _, k := range keys {
		sources[*k.key.KeyId()] = k.source
	}
	return st.ToJsonString(sources, nil)
}

// newUsagePlan puts the keys, if there are any, in one usage plan on the
// API's stage, which throttles them and caps their monthly requests. API
// Gateway accepts a key only on a stage of a plan that holds it.
func newUsagePlan(st awscdk.Stack, s stack.Stack, api awsapigateway.RestApi, keys []sourceKey) {
	if len(keys) == 0 {
		return
	}
	plan := awsapigateway.NewUsagePlan(st, jsii.String("SourcesUsagePlan"),
		&awsapigateway.UsagePlanProps{
			Name:        physicalName(s, "sources"),
			Description: jsii.String("Firebreak ingest sources that send an API key"),
			ApiStages: &[]*awsapigateway.UsagePlanPerApiStage{
				{Api: api, Stage: api.DeploymentStage()},
			},
			Throttle: &awsapigateway.ThrottleSettings{
				RateLimit:  jsii.Number(keyRateLimitPerSecond),
				BurstLimit: jsii.Number(keyBurstLimit),
			},
			Quota: &awsapigateway.QuotaSettings{
				Limit:  jsii.Number(keyRequestsPerMonth),
				Period: awsapigateway.Period_MONTH,
			},
		})
	for _, k := range keys {
		plan.AddApiKey(k.key, nil)
	}
}

// outputKeyIDs outputs the id of each source's API key, which is all an
// operator needs to fetch its value and hand it to the source.
func outputKeyIDs(st awscdk.Stack, keys []sourceKey) {
	for _, k := range keys {
		awscdk.NewCfnOutput(st, jsii.String(constructID(k.source)+"APIKeyID"),
			&awscdk.CfnOutputProps{
				Description: jsii.String(fmt.Sprintf("ID of source %s's API key; its value: "+
					"aws apigateway get-api-key --include-value --api-key <ID>", k.source)),
				Value: k.key.KeyId(),
			})
	}
}
