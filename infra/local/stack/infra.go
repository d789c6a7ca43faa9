package stack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/airdisplay/platform/infra/local/supervisor"
)

// startRedis runs a private redis-server: loopback only, its own port, data
// under StateDir/redis in an append-only file (see redisArgs for what a
// kill and a crash can lose).
func (s *Stack) startRedis() (*supervisor.Process, error) {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server not found: run `make deps` (installs Debian's redis-server)")
	}
	dir := filepath.Join(s.opts.StateDir, "redis")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return s.start("redis", path, redisArgs(s.Ports.Redis, dir), "", os.Environ())
}

func redisArgs(port int, dir string) []string {
	return []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--dir", dir,
		// Every write goes to the append-only file before Redis answers,
		// so a killed redis-server (make chaos) loses nothing; the fsync
		// once a second guards against the machine's crash, as Azure
		// Managed Redis's AOF does. "always" fsyncs each write and was
		// most of a job's latency (make bench-jobs).
		"--appendonly", "yes",
		"--appendfsync", "everysec",
		"--save", "",
		"--daemonize", "no",
		"--loglevel", "warning",
	}
}

// redisClusterNames are the processes of the Redis Cluster profile. The
// first is "redis", like the single node, so faults that kill "redis" kill
// a master there too.
var redisClusterNames = [3]string{"redis", "redis-2", "redis-3"}

// startRedisCluster runs three redis-server masters in cluster mode (data
// and nodes.conf under StateDir/redis-cluster/<n>, synced like the single
// node), joins them into one cluster over all 16384 slots the first time,
// and waits until every node reports cluster_state:ok. No replicas: a
// killed master's slots wait for its restart, which reloads its AOF and
// nodes.conf. cluster-require-full-coverage is off so the other masters
// keep serving their slots meanwhile.
func (s *Stack) startRedisCluster(ctx context.Context) error {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return fmt.Errorf("redis-server not found: run `make deps` (installs Debian's redis-server)")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return fmt.Errorf("redis-cli not found: run `make deps` (Debian's redis-tools comes with redis-server)")
	}
	addrs := make([]string, len(redisClusterNames))
	procs := make([]*supervisor.Process, len(redisClusterNames))
	for i, name := range redisClusterNames {
		dir := filepath.Join(s.opts.StateDir, "redis-cluster", strconv.Itoa(i+1))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		port := s.Ports.RedisClusterNodes[i]
		args := append(redisArgs(port, dir),
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf",
			"--cluster-port", strconv.Itoa(s.Ports.RedisClusterBus[i]),
			"--cluster-node-timeout", "5000",
			"--cluster-require-full-coverage", "no",
		)
		if procs[i], err = s.start(name, path, args, "", os.Environ()); err != nil {
			return err
		}
		addrs[i] = fmt.Sprintf("127.0.0.1:%d", port)
	}
	for i, p := range procs {
		if err := waitTCP(ctx, p, addrs[i], 30*time.Second); err != nil {
			return err
		}
	}
	// A data directory from an earlier run already holds the cluster.
	if !strings.Contains(clusterInfo(ctx, cli, addrs[0]), "cluster_slots_assigned:16384") {
		args := append([]string{"--cluster", "create"}, addrs...)
		args = append(args, "--cluster-replicas", "0", "--cluster-yes")
		if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, addr := range addrs {
		for !strings.Contains(clusterInfo(ctx, cli, addr), "cluster_state:ok") {
			if time.Now().After(deadline) {
				return fmt.Errorf("redis cluster node %s: not cluster_state:ok after 30 s:\n%s", addr, clusterInfo(ctx, cli, addr))
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return nil
}

// clusterInfo is CLUSTER INFO of the node at addr, or "" if it does not answer.
func clusterInfo(ctx context.Context, cli, addr string) string {
	host, port, _ := strings.Cut(addr, ":")
	out, err := exec.CommandContext(ctx, cli, "-h", host, "-p", port, "cluster", "info").Output()
	if err != nil {
		return ""
	}
	return string(out)
}

// startRabbitMQ runs a private RabbitMQ node with its own epmd, ports, node
// name, cookie and data under StateDir/rabbitmq. It calls the broker script
// directly rather than Debian's wrapper, which would switch to the system
// `rabbitmq` user and its system-wide directories.
func (s *Stack) startRabbitMQ() (*supervisor.Process, error) {
	const server = "/usr/lib/rabbitmq/bin/rabbitmq-server"
	if _, err := os.Stat(server); err != nil {
		return nil, fmt.Errorf("%s not found: run `make deps` (installs Debian's rabbitmq-server)", server)
	}
	epmdPath, err := exec.LookPath("epmd")
	if err != nil {
		return nil, fmt.Errorf("epmd not found: run `make deps` (Erlang comes with Debian's rabbitmq-server)")
	}
	base := filepath.Join(s.opts.StateDir, "rabbitmq")
	for _, d := range []string{"mnesia", "log", "home"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			return nil, err
		}
	}
	// Erlang needs epmd; one of our own keeps the node off the system's.
	epmdPort := strconv.Itoa(s.Ports.EPMD)
	if _, err := s.start("epmd", epmdPath, []string{"-port", epmdPort, "-address", "127.0.0.1"}, "", os.Environ()); err != nil {
		return nil, err
	}
	conf := filepath.Join(base, "rabbitmq.conf")
	if err := os.WriteFile(conf, []byte(strings.Join([]string{
		"listeners.tcp.default = 127.0.0.1:" + strconv.Itoa(s.Ports.RabbitMQ),
		"loopback_users.guest = true",
		"disk_free_limit.absolute = 200MB",
		"",
	}, "\n")), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(base, "enabled_plugins"), []byte("[].\n"), 0o644); err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"HOME="+filepath.Join(base, "home"), // the Erlang cookie lives here
		"ERL_EPMD_PORT="+epmdPort,
		"ERL_EPMD_ADDRESS=127.0.0.1",
		"RABBITMQ_NODE_PORT="+strconv.Itoa(s.Ports.RabbitMQ),
		"RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
		"RABBITMQ_DIST_PORT="+strconv.Itoa(s.Ports.RabbitMQDist),
		"RABBITMQ_NODENAME=airdisplay-"+strconv.Itoa(s.Ports.RabbitMQ)+"@localhost",
		"RABBITMQ_MNESIA_BASE="+filepath.Join(base, "mnesia"),
		"RABBITMQ_LOG_BASE="+filepath.Join(base, "log"),
		"RABBITMQ_CONFIG_FILE="+strings.TrimSuffix(conf, ".conf"),
		"RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(base, "enabled_plugins"),
		"RABBITMQ_LOGS=-", // to stdout, so the launcher prefixes and keeps it
	)
	return s.start("rabbitmq", server, nil, base, env)
}

// tail returns the last n lines of a log file, for error messages.
func tail(path string, n int) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
