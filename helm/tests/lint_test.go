package charttests

import (
	"sort"
	"strings"
	"testing"
)

// TestHelmLint runs `helm lint --strict` for each flavor with the same
// values the render tests use.
func TestHelmLint(t *testing.T) {
	for _, f := range flavors {
		t.Run(f.Name, func(t *testing.T) {
			args := []string{"lint", chartDir, "--strict", "--namespace", namespace}
			for _, vf := range f.ValuesFiles {
				args = append(args, "--values", vf)
			}
			keys := make([]string, 0, len(f.SetValues))
			for k := range f.SetValues {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				args = append(args, "--set", k+"="+f.SetValues[k])
			}
			out, err := runHelm(t, args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if !strings.Contains(out, "0 chart(s) failed") {
				t.Fatalf("helm lint did not pass:\n%s", out)
			}
			// helm lint only logs a template's `fail` at INFO level; the
			// chart's own checks must not fire for a shipped flavor.
			if strings.Contains(out, "[INFO] Fail:") || strings.Contains(out, "[ERROR]") || strings.Contains(out, "[WARNING]") {
				t.Fatalf("helm lint reported problems:\n%s", out)
			}
		})
	}
}
