package main

import (
	"strings"
	"testing"
)

func TestStacksHaveNoUnsuppressedNagFinding(t *testing.T) {
	for name, tmpl := range map[string]func(*testing.T) *cfnTemplate{
		"shipped": shipped, "keyed": keyed, "asking": asking,
	} {
		t.Run(name, func(t *testing.T) {
			if got := tmpl(t).findings; len(got) > 0 {
				t.Errorf("cdk-nag findings: got %d, want 0:\n%s", len(got),
					strings.Join(got, "\n"))
			}
		})
	}
}
