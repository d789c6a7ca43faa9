// Package engine finds or starts the Docker engine kind runs its nodes on.
//
// It uses the engine the environment points at (DOCKER_HOST or the default
// socket) when one answers and this host can run privileged containers.
// Otherwise it starts the project's own dockerd: private socket, data and
// exec roots under the state directory (.local/docker), detached so a
// cluster outlives the command that made it, stopped by Stop or
// `make docker-down`. On a host whose capability bounding set lacks
// CAP_SYS_RESOURCE, that dockerd runs every container through capdrop-runc
// (cmd/capdrop-runc), because runc cannot grant a privileged container a
// capability the host lacks.
package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Mode chooses the engine.
type Mode string

const (
	// Auto uses a reachable engine on a host that can run privileged
	// containers, else starts the project's own.
	Auto Mode = "auto"
	// System always uses DOCKER_HOST or the default socket.
	System Mode = "system"
	// Own always starts (or reuses) the project's dockerd.
	Own Mode = "own"
)

// Options configure Ensure.
type Options struct {
	Mode     Mode
	StateDir string    // the project's dockerd keeps everything here
	RepoRoot string    // to build cmd/capdrop-runc when the host needs it
	Log      io.Writer // progress lines
}

// Engine is a Docker engine kind can use.
type Engine struct {
	// Host is the DOCKER_HOST value that reaches it.
	Host string
	// Own reports that it is the project's dockerd.
	Own bool
	// Started reports that this Ensure started it (and Stop should stop it
	// when the caller owns its lifetime).
	Started bool
	// CapDrop reports that containers run through capdrop-runc.
	CapDrop bool

	stateDir string
}

// Ensure returns a usable engine, starting the project's dockerd when needed.
func Ensure(ctx context.Context, o Options) (*Engine, error) {
	if o.Mode == "" {
		o.Mode = Auto
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	// dockerd and its containerd need absolute paths (a relative one, as a
	// test's "../.." root gives, leaves containerd's socket unreachable).
	var err error
	if o.StateDir, err = filepath.Abs(o.StateDir); err != nil {
		return nil, err
	}
	if o.RepoRoot, err = filepath.Abs(o.RepoRoot); err != nil {
		return nil, err
	}
	lacks, err := HostLacksSysResource()
	if err != nil {
		return nil, err
	}
	if o.Mode != Own {
		host := systemHost()
		if ping(ctx, host) == nil {
			if o.Mode == System || !lacks {
				fmt.Fprintf(o.Log, "docker engine: using %s\n", host)
				return &Engine{Host: host}, nil
			}
			fmt.Fprintf(o.Log, "docker engine: %s answers, but this host's capability bounding set lacks CAP_SYS_RESOURCE, so its privileged containers fail; starting the project's own dockerd\n", host)
		} else if o.Mode == System {
			return nil, fmt.Errorf("no Docker engine answers at %s (KIND_DOCKER=system)", host)
		}
	}
	return startOwn(ctx, o, lacks)
}

// Env is the environment a docker client (and kind) needs for this engine.
func (e *Engine) Env() []string { return []string{"DOCKER_HOST=" + e.Host} }

// Stop stops the project's dockerd if it is running; a system engine is
// never touched.
func (e *Engine) Stop(ctx context.Context) error {
	if !e.Own {
		return nil
	}
	return StopOwn(ctx, e.stateDir)
}

// HostLacksSysResource reports whether this process's capability bounding
// set lacks CAP_SYS_RESOURCE (capability 24).
func HostLacksSysResource() (bool, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return false, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "CapBnd:"); ok {
			bits, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return false, fmt.Errorf("CapBnd %q: %w", v, err)
			}
			const capSysResource = 24
			return bits&(1<<capSysResource) == 0, nil
		}
	}
	return false, errors.New("/proc/self/status has no CapBnd line")
}

func systemHost() string {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	return "unix:///var/run/docker.sock"
}

// paths of the project's dockerd.
type paths struct{ dir, sock, pid, log, wrapper string }

func ownPaths(stateDir string) paths {
	return paths{
		dir:     stateDir,
		sock:    filepath.Join(stateDir, "docker.sock"),
		pid:     filepath.Join(stateDir, "dockerd.pid"),
		log:     filepath.Join(stateDir, "dockerd.log"),
		wrapper: filepath.Join(stateDir, "capdrop-runc"),
	}
}

func startOwn(ctx context.Context, o Options, lacks bool) (*Engine, error) {
	if o.StateDir == "" {
		return nil, errors.New("engine: StateDir is required to start the project's dockerd")
	}
	p := ownPaths(o.StateDir)
	e := &Engine{Host: "unix://" + p.sock, Own: true, CapDrop: lacks, stateDir: o.StateDir}
	if ping(ctx, e.Host) == nil {
		fmt.Fprintf(o.Log, "docker engine: the project's dockerd is running (%s)\n", e.Host)
		return e, nil
	}
	dockerd, err := exec.LookPath("dockerd")
	if err != nil {
		return nil, errors.New("dockerd not found: install Debian's docker.io (make deps does)")
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return nil, err
	}
	_ = os.Remove(p.sock)
	args := []string{
		"--host", e.Host,
		"--data-root", filepath.Join(p.dir, "data"),
		"--exec-root", filepath.Join(p.dir, "exec"),
		"--pidfile", p.pid,
		// kind makes its own network; leaving docker0 alone keeps this
		// engine out of the way of a system one.
		"--bridge", "none",
		"--log-level", "warn",
	}
	if lacks {
		if err := buildWrapper(ctx, o.RepoRoot, p.wrapper); err != nil {
			return nil, err
		}
		args = append(args, "--add-runtime", "capdrop="+p.wrapper, "--default-runtime", "capdrop")
	}
	logf, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(dockerd, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own session: the engine outlives this command (a kind cluster
	// made by `make deploy` keeps running) and Ctrl-C here does not reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dockerd: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	wait, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	for {
		if ping(wait, e.Host) == nil {
			break
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("dockerd exited (%v); see %s", err, p.log)
		case <-wait.Done():
			_ = cmd.Process.Kill()
			return nil, fmt.Errorf("dockerd did not answer within 90 s; see %s", p.log)
		case <-time.After(200 * time.Millisecond):
		}
	}
	e.Started = true
	fmt.Fprintf(o.Log, "docker engine: started the project's dockerd (pid %d, %s, capdrop-runc %v) in %.1fs\n",
		cmd.Process.Pid, e.Host, lacks, time.Since(start).Seconds())
	return e, nil
}

// buildWrapper compiles cmd/capdrop-runc into path.
func buildWrapper(ctx context.Context, repoRoot, path string) error {
	if repoRoot == "" {
		return errors.New("engine: RepoRoot is required to build capdrop-runc")
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", path, "./cmd/capdrop-runc")
	cmd.Dir = filepath.Join(repoRoot, "infra", "deploy")
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build capdrop-runc: %v: %s", err, out)
	}
	return nil
}

// StopOwn stops the project's dockerd under stateDir, if it runs: SIGTERM
// (dockerd stops its containers and its containerd), then SIGKILL after
// 60 s. Nothing it started is left behind.
func StopOwn(ctx context.Context, stateDir string) error {
	p := ownPaths(stateDir)
	raw, err := os.ReadFile(p.pid)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return fmt.Errorf("%s: %w", p.pid, err)
	}
	proc, _ := os.FindProcess(pid)
	if err := proc.Signal(syscall.SIGTERM); err != nil {
		_ = os.Remove(p.pid)
		unmountDataRoot(p)
		return nil // already gone
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if proc.Signal(syscall.Signal(0)) != nil {
			_ = os.Remove(p.pid)
			unmountDataRoot(p)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	_ = proc.Signal(syscall.SIGKILL)
	_ = os.Remove(p.pid)
	unmountDataRoot(p)
	return fmt.Errorf("dockerd (pid %d) did not stop within 60 s and was killed", pid)
}

// unmountDataRoot undoes the bind mount dockerd makes of its data root
// (to make its mount propagation private) when it did not undo it itself
// (killed, or stopped before it could), so the state directory, a clone's
// .local/docker, can be removed. Not a mount point: nothing to do.
func unmountDataRoot(p paths) {
	_ = syscall.Unmount(filepath.Join(p.dir, "data"), syscall.MNT_DETACH)
}

// ping asks the engine's /_ping over its unix socket (tcp hosts too).
func ping(ctx context.Context, host string) error {
	network, addr, ok := strings.Cut(host, "://")
	if !ok || (network != "unix" && network != "tcp") {
		return fmt.Errorf("unsupported DOCKER_HOST %q", host)
	}
	client := &http.Client{
		Timeout: 2 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/_ping", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s/_ping: %s", host, resp.Status)
	}
	return nil
}
