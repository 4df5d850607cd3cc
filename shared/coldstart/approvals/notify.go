package approvals

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/notify"
	"github.com/firebreak/firebreak/shared/settings"
	"github.com/firebreak/firebreak/shared/stack"
)

// Notifiers builds the notifiers firebreak.yaml's notifications section
// names, with clients from cfg: the approvals topic, whose ARN
// stack.EnvApprovalsTopicARN gives (the local host's SNS endpoint keeps
// what it publishes in the outbox), and the Slack and Teams webhooks,
// whose URLs it reads once from Secrets Manager. The function that calls
// it must list stack.EnvApprovalsTopicARN in its environment.
func Notifiers(ctx context.Context, getenv coldstart.Getenv, cfg aws.Config) ([]notify.Notifier,
	error) {
	set, err := settings.ParseNotifications(firebreak.ConfigYAML)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", firebreak.ConfigFile, err)
	}
	return notifiers(ctx, getenv, cfg, set)
}

// notifiers builds the notifiers set names.
func notifiers(ctx context.Context, getenv coldstart.Getenv, cfg aws.Config,
	set settings.Notifications) ([]notify.Notifier, error) {
	var ns []notify.Notifier
	if set.SNS {
		env, err := coldstart.Require(getenv, stack.EnvApprovalsTopicARN)
		if err != nil {
			return nil, err
		}
		ns = append(ns, &notify.SNS{Client: sns.NewFromConfig(cfg),
			TopicARN: env[stack.EnvApprovalsTopicARN]})
	}
	secrets := secretsmanager.NewFromConfig(cfg)
	if set.SlackWebhookSecret != "" {
		u, err := webhookURL(ctx, secrets, "Slack", set.SlackWebhookSecret)
		if err != nil {
			return nil, err
		}
		ns = append(ns, notify.NewSlack(u, nil))
	}
	if set.TeamsWebhookSecret != "" {
		u, err := webhookURL(ctx, secrets, "Teams", set.TeamsWebhookSecret)
		if err != nil {
			return nil, err
		}
		ns = append(ns, notify.NewTeams(u, nil))
	}
	return ns, nil
}

// webhookURL reads a webhook's URL from secret and checks that it is one:
// https, or http to this machine. No error quotes the value.
func webhookURL(ctx context.Context, secrets coldstart.SecretReader, channel, secret string) (
	notify.WebhookURL, error) {
	out, err := secrets.GetSecretValue(ctx,
		&secretsmanager.GetSecretValueInput{SecretId: aws.String(secret)})
	if err != nil {
		return "", fmt.Errorf("read the %s webhook URL from %s: %w", channel, secret, err)
	}
	v := strings.TrimSpace(aws.ToString(out.SecretString))
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || !(u.Scheme == "https" ||
		u.Scheme == "http" && isLoopback(u.Hostname())) {
		return "", fmt.Errorf("the secret %s does not hold a %s webhook's https URL",
			secret, channel)
	}
	return notify.WebhookURL(v), nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}
