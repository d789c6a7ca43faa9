package stack

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/airdisplay/platform/infra/local/supervisor"
)

// startRedis runs a private redis-server: loopback only, its own port, data
// under StateDir/redis in an append-only file synced on every write, so
// even a SIGKILL loses no acknowledged write (everysec could lose one
// second of job records and effect markers).
func (s *Stack) startRedis() (*supervisor.Process, error) {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server not found: run `make deps` (installs Debian's redis-server)")
	}
	dir := filepath.Join(s.opts.StateDir, "redis")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return s.start("redis", path, []string{
		"--port", strconv.Itoa(s.Ports.Redis),
		"--bind", "127.0.0.1",
		"--dir", dir,
		"--appendonly", "yes",
		"--appendfsync", "always",
		"--save", "",
		"--daemonize", "no",
		"--loglevel", "warning",
	}, "", os.Environ())
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
