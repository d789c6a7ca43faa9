// Package localstack starts the platform for tests exactly as `make run`
// does (same dapr.yaml, same components, same launcher) on free ports, so
// test stacks never collide with a running `make run` or with each other.
package localstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/airdisplay/platform/infra/local/stack"
)

// RepoRoot finds the repository root (the directory holding go.work).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.work not found above the working directory")
		}
		dir = parent
	}
}

// Options adjust a test stack.
type Options struct {
	Replicas map[string]int
	AppEnv   map[string]map[string]string
	// Console receives every process's log lines; nil keeps them in files.
	Console io.Writer
	// ResourcesPaths replace components/local for every app.
	ResourcesPaths []string
	// Ports fixes the infrastructure ports (free ones when zero).
	Ports stack.Ports
	// KeepAlive restarts crashed or killed processes, as a kubelet would.
	KeepAlive bool
	// RedisCluster runs the Redis Cluster profile whatever REDIS_TOPOLOGY says.
	RedisCluster bool
}

// Start brings up a stack under stateDir. Dapr binaries come from
// DAPR_BIN_DIR or the repository's bin/ (`make dapr` builds them).
func Start(ctx context.Context, stateDir string, o Options) (*stack.Stack, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	bin := os.Getenv("DAPR_BIN_DIR")
	if bin == "" {
		bin = filepath.Join(root, "bin")
	}
	opts := stack.Options{
		RunFile:        filepath.Join(root, "dapr.yaml"),
		Replicas:       o.Replicas,
		DaprBinDir:     bin,
		StateDir:       stateDir,
		RandomPorts:    true,
		Console:        o.Console,
		AppEnv:         o.AppEnv,
		ResourcesPaths: o.ResourcesPaths,
		Ports:          o.Ports,
		KeepAlive:      o.KeepAlive,
	}
	// components/local/secretstore.yaml reads the API keys (DevAPIKey) from
	// this file; dapr.yaml's path is relative to the repository root.
	if opts.RedisCluster, err = stack.RedisClusterFromEnv(os.Getenv); err != nil {
		return nil, err
	}
	opts.RedisCluster = opts.RedisCluster || o.RedisCluster
	opts.Env = map[string]string{"LOCAL_SECRETS_FILE": filepath.Join(root, "components", "local", "secrets", "api-keys.json")}
	s, err := stack.Start(ctx, opts)
	if err != nil && o.Ports == (stack.Ports{}) && strings.Contains(err.Error(), "address already in use") {
		// Free ports are picked, then bound by other processes: another
		// stack on the machine may have taken one in between. Pick again.
		s, err = stack.Start(ctx, opts)
	}
	return s, err
}

// DumpLogs prints the tail of every log file of the stack, for a failed run.
func DumpLogs(w io.Writer, s *stack.Stack, lines int) {
	entries, _ := os.ReadDir(s.LogDir)
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(s.LogDir, e.Name()))
		if err != nil {
			continue
		}
		fmt.Fprintf(w, "==== %s (last %d lines) ====\n%s\n", e.Name(), lines, lastLines(raw, lines))
	}
}

func lastLines(b []byte, n int) []byte {
	count := 0
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			count++
			if count > n {
				return b[i+1:]
			}
		}
	}
	return b
}

// WaitReady polls url until it answers 200 or the timeout passes.
func WaitReady(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s", url, timeout)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
