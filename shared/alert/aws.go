package alert

import (
	"cmp"
	"strings"
)

// awsPrincipalARN returns the ARN of an AWS principal as CloudTrail names
// it, from what GuardDuty and Security Hub say of the principal behind an
// access key: its type (IAMUser, Root, AssumedRole, FederatedUser), its
// name (for a role session, the role's) and its principal id. It returns
// "" when that is not enough to build the ARN.
//
// The findings give an IAM user's name but not its path, so the ARN of a
// user created with a path (user/division/name) comes out without it.
func awsPrincipalARN(partition, account, userType, name, principalID string) string {
	if account == "" {
		return ""
	}
	prefix := "arn:" + cmp.Or(partition, "aws")
	switch userType {
	case "IAMUser":
		if name != "" {
			return prefix + ":iam::" + account + ":user/" + name
		}
	case "Root":
		return prefix + ":iam::" + account + ":root"
	case "AssumedRole":
		// the principal id of a role session is "<role id>:<session name>"
		_, session, ok := strings.Cut(principalID, ":")
		if ok && session != "" && name != "" {
			return prefix + ":sts::" + account + ":assumed-role/" + name + "/" +
				session
		}
	case "FederatedUser":
		if name != "" {
			return prefix + ":sts::" + account + ":federated-user/" + name
		}
	}
	return ""
}
