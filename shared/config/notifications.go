package config

import (
	"errors"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/firebreak/firebreak/shared/settings"
)

// notificationKeys are the keys the notifications section has.
var notificationKeys = []string{"sns", "slack_webhook_secret", "teams_webhook_secret"}

// checkNotifications reads the notifications section, whose node is n,
// citing the line of a key it does not have or of a wrong value.
func checkNotifications(name string, data []byte, n *yaml.Node) (settings.Notifications,
	error) {
	if n.Kind != 0 && n.Kind != yaml.MappingNode && n.Tag != "!!null" {
		return settings.Notifications{}, &Error{name, n.Line,
			"notifications: must be a mapping of sns, slack_webhook_secret and " +
				"teams_webhook_secret"}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !slices.Contains(notificationKeys, k.Value) {
			return settings.Notifications{}, &Error{name, k.Line, fmt.Sprintf(
				"notifications: field %s not found; the fields are %v", k.Value,
				notificationKeys)}
		}
	}
	set, err := settings.ParseNotifications(data)
	var ne *settings.NotificationsError
	if errors.As(err, &ne) {
		return settings.Notifications{}, &Error{name, lineOf(n, ne.Key), err.Error()}
	}
	if err != nil {
		return settings.Notifications{}, yamlError(name, err)
	}
	return set, nil
}
