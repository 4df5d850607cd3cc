// Package firebreak carries the configuration every function is built
// with: firebreak.yaml, beside this file.
package firebreak

import "embed"

// ConfigYAML is firebreak.yaml as it was when the binary was built.
//
//go:embed firebreak.yaml
var ConfigYAML []byte

// ConfigFile is the name errors in ConfigYAML cite.
const ConfigFile = "firebreak.yaml"

// IntelFiles holds the indicator lists of events/intel/ as they were when
// the binary was built; firebreak.yaml's investigation.indicator_lists
// names which of them inform verdicts.
//
//go:embed events/intel/*.csv events/intel/*.json
var IntelFiles embed.FS
