// Package integration runs the platform on real daprd sidecars, Redis and
// RabbitMQ, started by the same launcher as `make run`, and tests it from
// the outside: over HTTP, and by reading Redis and RabbitMQ directly.
package integration

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/airdisplay/platform/infra/local/stack"
	"github.com/airdisplay/platform/tests/localstack"
)

// env is the stack every test in this package shares: starting RabbitMQ
// and five sidecars once keeps the suite fast.
var env struct {
	stack *stack.Stack
	redis redis.UniversalClient
}

const (
	maxAttempts     = 3                // JOB_MAX_ATTEMPTS for the consumers under test
	displayDuration = 10 * time.Second // BANNER_DISPLAY_DURATION: short, yet longer than a restart
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "airdisplay-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	s, err := localstack.Start(context.Background(), dir, localstack.Options{
		Replicas: map[string]int{"consumer": 3, "banner-actor": 2},
		AppEnv: map[string]map[string]string{
			// Debug logs one line per handler run and per commit, which
			// the kill test counts (executionsIn).
			"consumer": {"JOB_MAX_ATTEMPTS": fmt.Sprint(maxAttempts), "LOG_LEVEL": "debug"},
			// A burst above the 200 concurrent posts one test sends.
			"banner-actor": {"BANNER_DISPLAY_DURATION": displayDuration.String(), "BANNER_MAX_QUEUE": "5", "RATE_LIMIT_BURST": "1000"},
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration: the local stack did not start (run `make test`, which installs and builds what it needs):", err)
		return 1
	}
	env.stack = s
	env.redis = localstack.Redis(s)
	defer env.redis.Close()

	code := m.Run()
	if code != 0 {
		localstack.DumpLogs(os.Stderr, s, 30)
	}
	groups := processGroups(s)
	s.Stop()
	if left := alive(groups); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: processes still running after Stop: %v\n", left)
		return 1
	}
	return code
}

// processGroups lists the process group of everything the stack started.
func processGroups(s *stack.Stack) map[string]int {
	g := map[string]int{}
	for _, name := range []string{"redis", "epmd", "rabbitmq", "placement", "scheduler"} {
		if p := s.Infra(name); p != nil {
			g[name] = p.Pid()
		}
	}
	for _, id := range s.AppIDs() {
		for _, in := range s.Apps(id) {
			g[in.Name()] = in.AppProcess().Pid()
			g[in.Name()+".daprd"] = in.Sidecar().Pid()
		}
	}
	return g
}

func alive(groups map[string]int) []string {
	var left []string
	for name, pgid := range groups {
		if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
			left = append(left, name)
		}
	}
	return left
}
