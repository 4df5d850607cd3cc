package alert

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestZZMineSlowCorpus(t *testing.T) {
	dir := os.Getenv("ZZDIR")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		lines := strings.SplitN(string(b), "\n", 2)
		s := strings.TrimSpace(lines[1])
		s = strings.TrimSuffix(strings.TrimPrefix(s, "[]byte("), ")")
		body, err := strconv.Unquote(s)
		if err != nil {
			t.Logf("%s: %v", f, err)
			continue
		}
		for _, format := range append([]string{""}, Formats()...) {
			start := time.Now()
			Parse([]byte(body), format)
			if d := time.Since(start); d > 100*time.Millisecond {
				t.Logf("%s format %q: %v (%d bytes)", filepath.Base(f), format, d, len(body))
			}
		}
	}
}
