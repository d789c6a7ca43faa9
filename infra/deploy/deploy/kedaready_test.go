package deploy

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeKubectl puts a kubectl on PATH that reports the external metrics API
// unavailable (the metrics server's 404, as seen in CI) until the file it
// returns exists, then Available.
func fakeKubectl(t *testing.T) (fixed string) {
	t.Helper()
	dir := t.TempDir()
	fixed = filepath.Join(dir, "reinstalled")
	script := "#!/bin/sh\nif [ -e " + fixed + " ]; then echo 'True all checks passed'; else echo 'False failing or missing response: bad status: 404'; fi\n"
	if err := os.WriteFile(filepath.Join(dir, "kubectl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return fixed
}

// An install whose metrics API stays unavailable is reinstalled once, and
// the deploy goes on when the API comes up.
func TestAKEDAInstallWhoseMetricsAPIStaysDownIsReinstalledOnce(t *testing.T) {
	fixed := fakeKubectl(t)
	var out bytes.Buffer
	reinstalls := 0
	err := waitForKEDAMetrics(context.Background(), "kc", &out, 200*time.Millisecond, func() error {
		reinstalls++
		return os.WriteFile(fixed, nil, 0o644)
	})
	if err != nil || reinstalls != 1 {
		t.Fatalf("err %v after %d reinstalls, want nil after 1\n%s", err, reinstalls, &out)
	}
	if !strings.Contains(out.String(), "404") || !strings.Contains(out.String(), "True all checks passed") {
		t.Errorf("progress does not show the condition's messages:\n%s", &out)
	}
}

// Without a way to reinstall (Terraform's flows) the deploy fails, naming
// the condition.
func TestAKEDAMetricsAPIThatStaysDownFailsTheDeploy(t *testing.T) {
	fakeKubectl(t)
	err := waitForKEDAMetrics(context.Background(), "kc", &bytes.Buffer{}, 200*time.Millisecond, nil)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("err %v, want one naming the condition", err)
	}
}
