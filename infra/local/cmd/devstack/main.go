// Command devstack runs the whole platform locally as dapr.yaml describes:
// a private Redis and RabbitMQ, Dapr placement and scheduler, and every app
// with its daprd sidecar. Ctrl-C or SIGTERM stops everything it started.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/airdisplay/platform/infra/local/stack"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(1)
	}
}

func run() error {
	runFile := flag.String("f", "dapr.yaml", "multi-app run file (Dapr CLI format)")
	stateDir := flag.String("state-dir", ".local", "where data and logs of the stack are kept")
	binDir := flag.String("dapr-bin-dir", envOr("DAPR_BIN_DIR", "bin"), "directory holding daprd, placement and scheduler (env DAPR_BIN_DIR)")
	replicas := replicaFlag{}
	flag.Var(replicas, "replicas", "app=N runs N instances of an app; repeatable (e.g. consumer=3)")
	keepAlive := flag.Bool("keep-alive", true, "restart a process that crashes or is killed, as a kubelet would")
	flag.Parse()

	ports, err := stack.PortsFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	cluster, err := stack.RedisClusterFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fmt.Println("devstack: starting Redis, RabbitMQ, Dapr placement and scheduler, then the apps…")
	s, err := stack.Start(ctx, stack.Options{
		RunFile: *runFile, Replicas: replicas, DaprBinDir: *binDir, StateDir: *stateDir,
		Ports: ports, Console: os.Stdout, KeepAlive: *keepAlive, RedisCluster: cluster,
	})
	if err != nil {
		return err
	}
	printURLs(s)
	<-ctx.Done()
	fmt.Println("devstack: stopping every process of the stack…")
	s.Stop()
	fmt.Println("devstack: stopped")
	return nil
}

func printURLs(s *stack.Stack) {
	var b strings.Builder
	b.WriteString("\nAirDisplay is up. Press Ctrl-C to stop.\n\n")
	for _, id := range s.AppIDs() {
		for _, in := range s.Apps(id) {
			fmt.Fprintf(&b, "  %-16s %s  (readyz %s/readyz, metrics %s/metrics, dapr %s)\n",
				in.Name(), in.URL(), in.URL(), in.URL(), in.DaprURL())
		}
	}
	fmt.Fprintf(&b, "  %-16s %s\n  %-16s %s\n  %-16s logs in %s\n\n", "redis", s.RedisAddr, "rabbitmq", s.RabbitURL, "", s.LogDir)
	fmt.Print(b.String())
}

type replicaFlag map[string]int

func (r replicaFlag) String() string { return fmt.Sprint(map[string]int(r)) }

func (r replicaFlag) Set(v string) error {
	id, n, ok := strings.Cut(v, "=")
	count, err := strconv.Atoi(n)
	if !ok || id == "" || err != nil || count < 1 {
		return fmt.Errorf("want app=N with N >= 1, got %q", v)
	}
	r[id] = count
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
