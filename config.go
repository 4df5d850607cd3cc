// Package firebreak carries the configuration every function is built
// with: firebreak.yaml, beside this file.
package firebreak

import _ "embed"

// ConfigYAML is firebreak.yaml as it was when the binary was built.
//
//go:embed firebreak.yaml
var ConfigYAML []byte

// ConfigFile is the name errors in ConfigYAML cite.
const ConfigFile = "firebreak.yaml"
