package stack

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/airdisplay/platform/infra/local/runfile"
	"github.com/airdisplay/platform/infra/local/supervisor"
)

// AppStopGrace is how long an app gets to drain after SIGTERM before it is
// killed; longer than the consumer's own drain timeout.
const AppStopGrace = 40 * time.Second

// Instance is one replica of an app together with its daprd sidecar.
type Instance struct {
	AppID    string
	Replica  int // 0-based
	Replicas int // how many instances of AppID run

	AppPort              int
	DaprHTTPPort         int
	DaprGRPCPort         int
	DaprInternalGRPCPort int
	MetricsPort          int // the sidecar's Prometheus port

	spec  runfile.App
	stack *Stack

	mu    sync.Mutex
	app   *supervisor.Process
	daprd *supervisor.Process
	down  bool // stopped on purpose: KeepAlive leaves it stopped
}

// Name is the app id, suffixed with the replica number when there are several.
func (in *Instance) Name() string {
	if in.Replicas > 1 {
		return fmt.Sprintf("%s-%d", in.AppID, in.Replica)
	}
	return in.AppID
}

// URL is the app's own HTTP address.
func (in *Instance) URL() string { return fmt.Sprintf("http://127.0.0.1:%d", in.AppPort) }

// DaprURL is the sidecar's HTTP API address.
func (in *Instance) DaprURL() string { return fmt.Sprintf("http://127.0.0.1:%d", in.DaprHTTPPort) }

// Env is the environment the app and its sidecar run with.
func (in *Instance) Env() map[string]string {
	s := in.stack
	env := map[string]string{
		// Set by the Dapr CLI too; the services read their ports from them.
		"APP_ID":         in.AppID,
		"APP_PORT":       strconv.Itoa(in.AppPort),
		"DAPR_HTTP_PORT": strconv.Itoa(in.DaprHTTPPort),
		"DAPR_GRPC_PORT": strconv.Itoa(in.DaprGRPCPort),
		"APP_REPLICA":    strconv.Itoa(in.Replica),
		// Each app and sidecar runs like a pod with a one-CPU limit, where
		// Go takes GOMAXPROCS from the cgroup: a dozen Go processes each
		// sized to every core keep idle threads spinning for work, which
		// on 2 cores cost a tenth of each one's CPU and tripled the job
		// pipeline's open-loop p99 (docs/benchmarks.md). Options.Env
		// overrides it.
		"GOMAXPROCS": "1",
		// Referenced by components/local through envRef.
		"REDIS_HOST":   s.RedisAddr,
		"REDIS_TYPE":   s.RedisType,
		"RABBITMQ_URL": s.RabbitURL,
	}
	maps.Copy(env, in.spec.Env)
	maps.Copy(env, s.opts.Env)
	maps.Copy(env, s.opts.AppEnv[in.AppID])
	return env
}

func environ(extra map[string]string) []string {
	env := os.Environ()
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		env = append(env, k+"="+extra[k])
	}
	return env
}

func (in *Instance) daprdArgs() []string {
	a := in.spec
	p := in.stack.Ports
	args := []string{
		"--mode", "standalone",
		"--app-id", in.AppID,
		"--app-port", strconv.Itoa(in.AppPort),
		"--app-protocol", a.AppProtocol,
		"--app-channel-address", "127.0.0.1",
		"--dapr-http-port", strconv.Itoa(in.DaprHTTPPort),
		"--dapr-grpc-port", strconv.Itoa(in.DaprGRPCPort),
		"--dapr-internal-grpc-port", strconv.Itoa(in.DaprInternalGRPCPort),
		"--dapr-listen-addresses", "127.0.0.1",
		"--metrics-port", strconv.Itoa(in.MetricsPort),
		"--placement-host-address", fmt.Sprintf("127.0.0.1:%d", p.Placement),
		"--scheduler-host-address", fmt.Sprintf("127.0.0.1:%d", p.Scheduler),
		"--log-level", a.LogLevel,
		"--log-as-json",
		"--dapr-graceful-shutdown-seconds", "5",
	}
	for _, r := range a.ResourcesPaths {
		args = append(args, "--resources-path", r)
	}
	if a.ConfigFilePath != "" {
		args = append(args, "--config", a.ConfigFilePath)
	}
	if a.AppMaxConcurrency > 0 {
		args = append(args, "--app-max-concurrency", strconv.Itoa(a.AppMaxConcurrency))
	}
	if a.MaxBodySize != "" {
		args = append(args, "--max-body-size", a.MaxBodySize)
	}
	if a.EnableAppHealthCheck {
		args = append(args, "--enable-app-health-check")
		if a.AppHealthCheckPath != "" {
			args = append(args, "--app-health-check-path", a.AppHealthCheckPath)
		}
	}
	return args
}

// Start starts the sidecar and the app and waits until the sidecar reports
// healthy, which daprd does once it has loaded its components and reached
// the app.
func (in *Instance) Start(ctx context.Context) error {
	daprdSpec, appSpec := in.daprdSpec(), in.appSpec()
	daprd, err := supervisor.Start(daprdSpec)
	if err != nil {
		return err
	}
	app, err := supervisor.Start(appSpec)
	if err != nil {
		daprd.Stop(5 * time.Second)
		return err
	}
	in.mu.Lock()
	in.app, in.daprd, in.down = app, daprd, false
	in.mu.Unlock()
	in.keep(daprd, daprdSpec, func() **supervisor.Process { return &in.daprd })
	in.keep(app, appSpec, func() **supervisor.Process { return &in.app })
	// `go run` compiles first, so allow for a cold build.
	if err := waitHTTP(ctx, app, in.URL()+"/healthz", 5*time.Minute); err != nil {
		// The app waits for its sidecar, so the sidecar's log usually says why.
		return fmt.Errorf("%w\nits sidecar's log %s:\n%s", err, daprd.LogPath, tail(daprd.LogPath, 30))
	}
	return waitHTTP(ctx, daprd, in.DaprURL()+"/v1.0/healthz", 2*time.Minute)
}

// RestartApp starts the app again beside its running sidecar, as a kubelet
// restarts a crashed container while the daprd container keeps running.
func (in *Instance) RestartApp(ctx context.Context) error {
	slot := func() **supervisor.Process { return &in.app }
	return in.restart(ctx, slot, in.appSpec(), AppStopGrace, in.URL()+"/healthz", 5*time.Minute)
}

// RestartSidecar starts daprd again beside the running app, as a kubelet
// restarts a crashed daprd container while the app container keeps
// running; it waits until the new sidecar reports healthy.
func (in *Instance) RestartSidecar(ctx context.Context) error {
	slot := func() **supervisor.Process { return &in.daprd }
	return in.restart(ctx, slot, in.daprdSpec(), 15*time.Second, in.DaprURL()+"/v1.0/healthz", 2*time.Minute)
}

// restart stops the process in *slot() (if still running), starts spec in
// its place and waits until health answers.
func (in *Instance) restart(ctx context.Context, slot func() **supervisor.Process, spec supervisor.Spec, grace time.Duration, health string, wait time.Duration) error {
	in.mu.Lock()
	old := *slot()
	*slot() = nil // no longer wanted: KeepAlive must not restart it too
	in.mu.Unlock()
	if old != nil && old.Running() {
		old.Stop(grace)
	}
	p, err := supervisor.Start(spec)
	if err != nil {
		return err
	}
	in.mu.Lock()
	*slot() = p
	in.mu.Unlock()
	in.keep(p, spec, slot)
	return waitHTTP(ctx, p, health, wait)
}

// Stop sends SIGTERM to the app, waits for it to drain, then stops the sidecar.
func (in *Instance) Stop() {
	in.mu.Lock()
	app, daprd := in.app, in.daprd
	in.down = true
	in.mu.Unlock()
	if app != nil {
		app.Stop(AppStopGrace)
	}
	if daprd != nil {
		daprd.Stop(15 * time.Second)
	}
}

func (in *Instance) appSpec() supervisor.Spec {
	cmd := in.spec.Command
	return supervisor.Spec{
		Name: in.Name(), Path: cmd[0], Args: cmd[1:], Dir: in.spec.AppDirPath,
		Env: environ(in.Env()), LogDir: in.stack.LogDir, Console: in.stack.opts.Console,
	}
}

func (in *Instance) daprdSpec() supervisor.Spec {
	return supervisor.Spec{
		Name: in.Name() + ".daprd", Path: filepath.Join(in.stack.bin, "daprd"), Args: in.daprdArgs(),
		Env: environ(in.Env()), LogDir: in.stack.LogDir, Console: in.stack.opts.Console,
	}
}

// keep restarts the process in *slot() when it exits on its own (with
// Options.KeepAlive), unless the instance was stopped or the process
// replaced on purpose.
func (in *Instance) keep(p *supervisor.Process, spec supervisor.Spec, slot func() **supervisor.Process) {
	if !in.stack.opts.KeepAlive {
		return
	}
	go in.stack.keep(p, spec,
		func(old *supervisor.Process) bool {
			in.mu.Lock()
			defer in.mu.Unlock()
			return !in.down && *slot() == old
		},
		func(np *supervisor.Process) {
			in.mu.Lock()
			defer in.mu.Unlock()
			*slot() = np
		})
}

// AppProcess and Sidecar expose the processes for fault tests.
func (in *Instance) AppProcess() *supervisor.Process {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.app
}

// Sidecar is the instance's daprd process.
func (in *Instance) Sidecar() *supervisor.Process {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.daprd
}

func (s *Stack) startApps(ctx context.Context, rf *runfile.File) error {
	apps := rf.Resolved()
	if len(s.opts.ResourcesPaths) > 0 {
		for i := range apps {
			apps[i].ResourcesPaths = s.opts.ResourcesPaths
		}
	}
	var all []*Instance
	for _, a := range apps {
		n := max(s.opts.Replicas[a.AppID], 1)
		for r := range n {
			in, err := s.newInstance(a, r, n)
			if err != nil {
				return err
			}
			all = append(all, in)
		}
	}
	// Start every instance at once: `go run` builds and sidecar start-up
	// overlap, and no app depends on another being up first.
	errs := make(chan error, len(all))
	for _, in := range all {
		go func() { errs <- in.Start(ctx) }()
	}
	var first error
	for range all {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *Stack) newInstance(a runfile.App, replica, replicas int) (*Instance, error) {
	in := &Instance{AppID: a.AppID, Replica: replica, Replicas: replicas, spec: a, stack: s}
	if s.opts.RandomPorts || a.AppPort == 0 {
		p, err := freePorts(5)
		if err != nil {
			return nil, err
		}
		in.AppPort, in.DaprHTTPPort, in.DaprGRPCPort, in.DaprInternalGRPCPort, in.MetricsPort = p[0], p[1], p[2], p[3], p[4]
	} else {
		// Replica r of an app takes its base ports plus r, so the run file
		// leaves a gap after each port of an app that runs several times.
		in.AppPort = a.AppPort + replica
		in.DaprHTTPPort = orFree(a.DaprHTTPPort, replica)
		in.DaprGRPCPort = orFree(a.DaprGRPCPort, replica)
		in.DaprInternalGRPCPort = orFree(a.DaprInternalGRPCPort, replica)
		in.MetricsPort = orFree(a.MetricsPort, replica)
		for _, port := range []int{in.AppPort, in.DaprHTTPPort, in.DaprGRPCPort, in.DaprInternalGRPCPort, in.MetricsPort} {
			if portInUse(port) {
				return nil, fmt.Errorf("%s replica %d: port %d is already in use", a.AppID, replica, port)
			}
		}
	}
	s.mu.Lock()
	if _, ok := s.apps[a.AppID]; !ok {
		s.order = append(s.order, a.AppID)
	}
	s.apps[a.AppID] = append(s.apps[a.AppID], in)
	s.mu.Unlock()
	return in, nil
}

func orFree(base, replica int) int {
	if base == 0 {
		p, err := freePorts(1)
		if err != nil {
			return 0
		}
		return p[0]
	}
	return base + replica
}
