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
// unavailable (the 404 seen in CI) until the file it returns exists, then
// Available.
func fakeKubectl(t *testing.T) (up string) {
	t.Helper()
	dir := t.TempDir()
	up = filepath.Join(dir, "up")
	script := "#!/bin/sh\nif [ -e " + up + " ]; then echo 'True all checks passed'; else echo 'False failing or missing response: bad status: 404'; fi\n"
	if err := os.WriteFile(filepath.Join(dir, "kubectl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return up
}

// The deploy waits for an API that comes up late, printing each condition.
func TestTheDeployWaitsForKEDAsMetricsAPIToComeUp(t *testing.T) {
	up := fakeKubectl(t)
	time.AfterFunc(300*time.Millisecond, func() { _ = os.WriteFile(up, nil, 0o644) })
	var out bytes.Buffer
	if err := waitForKEDAMetrics(context.Background(), "kc", &out, 10*time.Second); err != nil {
		t.Fatalf("err %v, want nil once the API is up\n%s", err, &out)
	}
	if !strings.Contains(out.String(), "404") || !strings.Contains(out.String(), "True all checks passed") {
		t.Errorf("progress does not show the condition's messages:\n%s", &out)
	}
}

// An API that stays unavailable fails the deploy, naming the condition.
func TestAKEDAMetricsAPIThatStaysDownFailsTheDeploy(t *testing.T) {
	fakeKubectl(t)
	err := waitForKEDAMetrics(context.Background(), "kc", &bytes.Buffer{}, 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("err %v, want one naming the condition", err)
	}
}
