package integration

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airdisplay/platform/infra/local/stack"
	"github.com/airdisplay/platform/tests/localstack"
)

// When an app cannot start, Start reports which one and stops everything it
// had started: no Redis, RabbitMQ or control plane is left behind.
func TestFailedStartStopsWhatItStarted(t *testing.T) {
	root, err := localstack.RepoRoot()
	must(t, err)
	dir := t.TempDir()
	runFile := filepath.Join(dir, "dapr.yaml")
	must(t, os.WriteFile(runFile, []byte(fmt.Sprintf(`version: 1
common:
  resourcesPath: %s
apps:
  - appID: broken
    appDirPath: %s
    command: ["%s/no-such-binary"]
`, filepath.Join(root, "components/local"), dir, dir)), 0o644))
	ports, err := stack.RandomPorts()
	must(t, err)
	_, err = stack.Start(context.Background(), stack.Options{
		RunFile: runFile, DaprBinDir: filepath.Join(root, "bin"), StateDir: t.TempDir(), Ports: ports,
	})
	if err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("Start: %v, want an error naming the app", err)
	}
	for name, port := range map[string]int{"redis": ports.Redis, "rabbitmq": ports.RabbitMQ, "placement": ports.Placement, "scheduler": ports.Scheduler} {
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
			c.Close()
			t.Errorf("%s still listens on %d after the failed start", name, port)
		}
	}
}
