package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/firebreak/firebreak/shared/stack"
)

// linkSecretLength is the length of the generated link-signing secret:
// 64 letters and digits, about 380 bits, more than HMAC-SHA256's block
// needs.
const linkSecretLength = 64

// approvals are what approval requests go out through: the topic that
// carries them to email, chat and webhooks, the secret that signs their
// links, and the key that encrypts the stack's topics.
type approvals struct {
	key        awskms.Key
	topic      awssns.Topic
	linkSecret awssecretsmanager.Secret
}

// newApprovals creates the approvals topic, encrypted with a key of the
// stack's own and reachable only over TLS, and the generated secret that
// signs approval links.
func newApprovals(st awscdk.Stack, s stack.Stack) approvals {
	// a customer managed key: SNS's AWS managed key cannot be shared with
	// CloudWatch, which publishes the alarms to the same kind of topic
	key := awskms.NewKey(st, jsii.String("TopicsKey"), &awskms.KeyProps{
		Description:       jsii.String("Firebreak: encrypts the approvals and alarms topics"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	key.GrantEncryptDecrypt(awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"),
		nil))
	topic := awssns.NewTopic(st, jsii.String("ApprovalsTopic"), &awssns.TopicProps{
		TopicName:   physicalName(s, "approvals"),
		DisplayName: jsii.String("Firebreak approvals"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})

	// links carry an HMAC of this secret, never a task token
	secret := awssecretsmanager.NewSecret(st, jsii.String("LinkSigningSecret"),
		&awssecretsmanager.SecretProps{
			Description: jsii.String("Firebreak: signs approval links (HMAC key)"),
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				ExcludePunctuation: jsii.Bool(true),
				PasswordLength:     jsii.Number(linkSecretLength),
			},
		})
	suppress(secret, nagLinkSecret)
	return approvals{key: key, topic: topic, linkSecret: secret}
}
