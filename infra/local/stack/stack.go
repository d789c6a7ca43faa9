// Package stack runs the AirDisplay platform locally: Redis, RabbitMQ, the
// Dapr control plane (placement, scheduler) and every app of a dapr.yaml run
// file with its daprd sidecar. `make run` and the integration tests both use
// it, so what the tests prove is what a developer runs.
package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/airdisplay/platform/infra/local/runfile"
	"github.com/airdisplay/platform/infra/local/supervisor"
)

// Ports are the fixed ports of the infrastructure processes. The defaults sit
// beside, never on, the well-known ports so a system-wide Redis, RabbitMQ or
// etcd is left alone.
type Ports struct {
	Redis               int
	RabbitMQ            int
	RabbitMQDist        int
	EPMD                int
	Placement           int
	PlacementRaft       int
	PlacementHealthz    int
	PlacementMetrics    int
	Scheduler           int
	SchedulerEtcdClient int
	SchedulerEtcdPeer   int
	SchedulerHealthz    int
	SchedulerMetrics    int
	// The three masters of the Redis Cluster profile (Options.RedisCluster):
	// client ports, and cluster bus ports (set explicitly: port+10000 may
	// not exist for a random port).
	RedisClusterNodes [3]int
	RedisClusterBus   [3]int
}

// DefaultPorts are used by `make run`; each can be overridden from the
// environment (see PortsFromEnv).
func DefaultPorts() Ports {
	return Ports{
		Redis: 6380, RabbitMQ: 5673, RabbitMQDist: 25673, EPMD: 14369,
		Placement: 50005, PlacementRaft: 50015, PlacementHealthz: 58081, PlacementMetrics: 59091,
		Scheduler: 50006, SchedulerEtcdClient: 52379, SchedulerEtcdPeer: 52380, SchedulerHealthz: 58082, SchedulerMetrics: 59092,
		RedisClusterNodes: [3]int{6391, 6392, 6393}, RedisClusterBus: [3]int{16391, 16392, 16393},
	}
}

// PortsFromEnv applies REDIS_PORT, RABBITMQ_PORT, PLACEMENT_PORT and
// SCHEDULER_PORT overrides to the defaults.
func PortsFromEnv(getenv func(string) string) (Ports, error) {
	p := DefaultPorts()
	for key, dst := range map[string]*int{
		"REDIS_PORT": &p.Redis, "RABBITMQ_PORT": &p.RabbitMQ,
		"PLACEMENT_PORT": &p.Placement, "SCHEDULER_PORT": &p.Scheduler,
	} {
		if v := getenv(key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 || n > 65535 {
				return p, fmt.Errorf("%s=%q: want a port number", key, v)
			}
			*dst = n
		}
	}
	return p, nil
}

// RedisClusterFromEnv reads REDIS_TOPOLOGY: "single" (or unset) is one
// Redis node, "cluster" the three-master Redis Cluster (Options.RedisCluster).
func RedisClusterFromEnv(getenv func(string) string) (bool, error) {
	switch v := getenv("REDIS_TOPOLOGY"); v {
	case "", "single":
		return false, nil
	case "cluster":
		return true, nil
	default:
		return false, fmt.Errorf("REDIS_TOPOLOGY=%q: want single or cluster", v)
	}
}

// Options configure a Stack.
type Options struct {
	RunFile     string         // dapr.yaml, or the directory holding it
	Replicas    map[string]int // instances per app id; default 1
	DaprBinDir  string         // holds daprd, placement and scheduler
	StateDir    string         // data and logs; wiped of nothing, reused
	Ports       Ports          // zero value: DefaultPorts, or free ones with RandomPorts
	RandomPorts bool           // give every process free ports (tests)
	// Console receives every process's output, prefixed by its name. Nil
	// keeps output in StateDir/logs only.
	Console io.Writer
	// Env is added to every app's and sidecar's environment; AppEnv per app id.
	Env    map[string]string
	AppEnv map[string]map[string]string
	// ResourcesPaths, when set, replace every app's resources paths: run
	// the same apps on other Dapr components (the chart's, say).
	ResourcesPaths []string
	// RedisCluster runs Redis as a three-master Redis Cluster, the topology
	// Azure Managed Redis's OSS cluster policy gives clients, and tells the
	// components so (REDIS_TYPE=cluster): state and pub/sub then run on the
	// same multi-key rules as on Azure.
	RedisCluster bool
	// KeepAlive restarts any process that exits on its own (crashed,
	// killed) after a back-off, as a kubelet restarts a container. Off, a
	// test that kills a process restarts it itself.
	KeepAlive bool
}

// Stack is a running local platform.
type Stack struct {
	Ports     Ports
	RedisAddr string // host:port; with RedisCluster the three nodes' host:port, comma-separated
	RedisType string // "node" or "cluster", the components' redisType
	RabbitURL string // amqp URL
	LogDir    string

	opts  Options
	bin   string
	infra []*supervisor.Process // started in order, stopped in reverse
	// closing is closed when Stop begins, so nothing is restarted after.
	closing   chan struct{}
	closeOnce sync.Once
	mu        sync.Mutex
	apps      map[string][]*Instance
	order     []string
}

// Start brings the whole stack up and waits until every sidecar is healthy.
// On error everything already started is stopped again.
func Start(ctx context.Context, opts Options) (s *Stack, err error) {
	rf, err := runfile.Load(opts.RunFile)
	if err != nil {
		return nil, err
	}
	bin, err := daprBinDir(opts.DaprBinDir)
	if err != nil {
		return nil, err
	}
	switch {
	case opts.Ports != (Ports{}):
		// Given explicitly (a test that must know them before Start).
	case opts.RandomPorts:
		if opts.Ports, err = RandomPorts(); err != nil {
			return nil, err
		}
	default:
		opts.Ports = DefaultPorts()
	}
	state, err := filepath.Abs(opts.StateDir)
	if err != nil {
		return nil, err
	}
	opts.StateDir = state
	st := &Stack{
		Ports:     opts.Ports,
		RedisAddr: fmt.Sprintf("127.0.0.1:%d", opts.Ports.Redis),
		RedisType: "node",
		RabbitURL: fmt.Sprintf("amqp://guest:guest@127.0.0.1:%d/", opts.Ports.RabbitMQ),
		LogDir:    filepath.Join(state, "logs"),
		opts:      opts,
		bin:       bin,
		apps:      map[string][]*Instance{},
		closing:   make(chan struct{}),
	}
	if opts.RedisCluster {
		st.RedisType = "cluster"
		addrs := make([]string, len(opts.Ports.RedisClusterNodes))
		for i, port := range opts.Ports.RedisClusterNodes {
			addrs[i] = fmt.Sprintf("127.0.0.1:%d", port)
		}
		st.RedisAddr = strings.Join(addrs, ",")
	}
	// On any error, stop what was started. (st, not the named result,
	// which a `return nil, err` has already set to nil.)
	defer func() {
		if err != nil {
			st.Stop()
		}
	}()
	if err = st.checkPortsFree(); err != nil {
		return nil, err
	}
	if err = st.startInfra(ctx); err != nil {
		return nil, err
	}
	if err = st.startApps(ctx, rf); err != nil {
		return nil, err
	}
	return st, nil
}

func daprBinDir(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("no Dapr binary directory: set DAPR_BIN_DIR or run `make dapr`")
	}
	for _, name := range []string{"daprd", "placement", "scheduler"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return "", fmt.Errorf("%s not found in %s: run `make dapr` or point DAPR_BIN_DIR at `dapr init --slim` binaries", name, dir)
		}
	}
	return filepath.Abs(dir)
}

func (s *Stack) checkPortsFree() error {
	p := s.Ports
	ports := map[string]int{
		"redis": p.Redis, "rabbitmq": p.RabbitMQ, "rabbitmq dist": p.RabbitMQDist, "epmd": p.EPMD,
		"placement": p.Placement, "scheduler": p.Scheduler, "scheduler etcd": p.SchedulerEtcdClient,
	}
	if s.opts.RedisCluster {
		delete(ports, "redis")
		for i := range p.RedisClusterNodes {
			ports[fmt.Sprintf("redis-%d", i+1)] = p.RedisClusterNodes[i]
			ports[fmt.Sprintf("redis-%d bus", i+1)] = p.RedisClusterBus[i]
		}
	}
	for name, port := range ports {
		if portInUse(port) {
			return fmt.Errorf("port %d (%s) is already in use: is another stack running? stop it or choose other ports", port, name)
		}
	}
	return nil
}

func (s *Stack) startInfra(ctx context.Context) error {
	var redisProc, rabbitProc *supervisor.Process
	var err error
	if s.opts.RedisCluster {
		if err := s.startRedisCluster(ctx); err != nil {
			return err
		}
	} else if redisProc, err = s.startRedis(); err != nil {
		return err
	}
	if rabbitProc, err = s.startRabbitMQ(); err != nil {
		return err
	}
	if redisProc != nil {
		if err := waitTCP(ctx, redisProc, s.RedisAddr, 30*time.Second); err != nil {
			return err
		}
	}
	// RabbitMQ opens its AMQP listener only once the broker has booted.
	if err := waitTCP(ctx, rabbitProc, fmt.Sprintf("127.0.0.1:%d", s.Ports.RabbitMQ), 90*time.Second); err != nil {
		return err
	}
	if err := DeclareJobQueue(ctx, s.RabbitURL, JobQueue); err != nil {
		return err
	}
	placement, err := s.startPlacement()
	if err != nil {
		return err
	}
	scheduler, err := s.startScheduler()
	if err != nil {
		return err
	}
	if err := waitHTTP(ctx, placement, fmt.Sprintf("http://127.0.0.1:%d/healthz", s.Ports.PlacementHealthz), 60*time.Second); err != nil {
		return err
	}
	return waitHTTP(ctx, scheduler, fmt.Sprintf("http://127.0.0.1:%d/healthz", s.Ports.SchedulerHealthz), 60*time.Second)
}

func (s *Stack) start(name, path string, args []string, dir string, env []string) (*supervisor.Process, error) {
	spec := supervisor.Spec{
		Name: name, Path: path, Args: args, Dir: dir, Env: env,
		LogDir: s.LogDir, Console: s.opts.Console,
	}
	p, err := supervisor.Start(spec)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.infra = append(s.infra, p)
	s.mu.Unlock()
	if s.opts.KeepAlive {
		go s.keep(p, spec, func(old *supervisor.Process) bool { return !s.stopping() && s.Infra(name) == old },
			func(np *supervisor.Process) {
				s.mu.Lock()
				defer s.mu.Unlock()
				for i, q := range s.infra {
					if q.Name == name {
						s.infra[i] = np
					}
				}
			})
	}
	return p, nil
}

func (s *Stack) startPlacement() (*supervisor.Process, error) {
	p := s.Ports
	return s.start("placement", filepath.Join(s.bin, "placement"), []string{
		"--port", strconv.Itoa(p.Placement),
		"--listen-address", "127.0.0.1",
		"--healthz-port", strconv.Itoa(p.PlacementHealthz),
		"--healthz-listen-address", "127.0.0.1",
		"--metrics-port", strconv.Itoa(p.PlacementMetrics),
		"--initial-cluster", fmt.Sprintf("dapr-placement-0=127.0.0.1:%d", p.PlacementRaft),
		"--log-as-json",
	}, "", os.Environ())
}

func (s *Stack) startScheduler() (*supervisor.Process, error) {
	p := s.Ports
	dataDir := filepath.Join(s.opts.StateDir, "scheduler")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, err
	}
	return s.start("scheduler", filepath.Join(s.bin, "scheduler"), []string{
		"--port", strconv.Itoa(p.Scheduler),
		"--listen-address", "127.0.0.1",
		"--healthz-port", strconv.Itoa(p.SchedulerHealthz),
		"--healthz-listen-address", "127.0.0.1",
		"--metrics-port", strconv.Itoa(p.SchedulerMetrics),
		"--etcd-data-dir", dataDir,
		"--etcd-client-port", strconv.Itoa(p.SchedulerEtcdClient),
		"--etcd-initial-cluster", fmt.Sprintf("dapr-scheduler-server-0=http://127.0.0.1:%d", p.SchedulerEtcdPeer),
		"--log-as-json",
	}, "", os.Environ())
}

// Stop stops the apps (each app before its sidecar, so in-flight work can
// still be acknowledged), then the control plane and the infrastructure.
func (s *Stack) Stop() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.mu.Lock()
	var all []*Instance
	for _, id := range s.order {
		all = append(all, s.apps[id]...)
	}
	infra := s.infra
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, in := range all {
		wg.Add(1)
		go func() { defer wg.Done(); in.Stop() }()
	}
	wg.Wait()
	for i := len(infra) - 1; i >= 0; i-- {
		infra[i].Stop(20 * time.Second)
	}
}

// Apps returns the running instances of an app id.
func (s *Stack) Apps(appID string) []*Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Instance(nil), s.apps[appID]...)
}

// App returns the first instance of an app id, or nil.
func (s *Stack) App(appID string) *Instance {
	if in := s.Apps(appID); len(in) > 0 {
		return in[0]
	}
	return nil
}

// AppIDs lists the apps in run-file order.
func (s *Stack) AppIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order...)
}

// Infra returns an infrastructure process by name (redis, rabbitmq,
// placement, scheduler), for fault tests.
func (s *Stack) Infra(name string) *supervisor.Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.infra {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func portInUse(port int) bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// freePorts reserves n distinct free loopback ports. They are drawn below
// Linux's ephemeral range (32768+): a port the kernel handed out for ":0"
// could, once released, be taken as the source port of any outgoing
// connection before the process meant to listen on it starts.
func freePorts(n int) ([]int, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for tries := 0; len(ports) < n; tries++ {
		if tries > 10*n+100 {
			return nil, fmt.Errorf("no %d free ports in %d-%d", n, portLow, portHigh)
		}
		port := portLow + rand.IntN(portHigh-portLow)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		ls = append(ls, l)
		ports = append(ports, port)
	}
	return ports, nil
}

const portLow, portHigh = 20000, 32700

// RandomPorts picks free loopback ports for the infrastructure.
func RandomPorts() (Ports, error) {
	p, err := freePorts(19)
	if err != nil {
		return Ports{}, err
	}
	return Ports{
		Redis: p[0], RabbitMQ: p[1], RabbitMQDist: p[2], EPMD: p[3],
		Placement: p[4], PlacementRaft: p[5], PlacementHealthz: p[6], PlacementMetrics: p[7],
		Scheduler: p[8], SchedulerEtcdClient: p[9], SchedulerEtcdPeer: p[10], SchedulerHealthz: p[11], SchedulerMetrics: p[12],
		RedisClusterNodes: [3]int{p[13], p[14], p[15]}, RedisClusterBus: [3]int{p[16], p[17], p[18]},
	}, nil
}

// waitTCP waits until addr accepts connections, failing early if proc exits.
func waitTCP(ctx context.Context, proc *supervisor.Process, addr string, timeout time.Duration) error {
	return waitFor(ctx, proc, addr, timeout, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

// waitHTTP waits until url answers with a 2xx status.
func waitHTTP(ctx context.Context, proc *supervisor.Process, url string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	return waitFor(ctx, proc, url, timeout, func() bool {
		resp, err := client.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode/100 == 2
	})
}

func waitFor(ctx context.Context, proc *supervisor.Process, what string, timeout time.Duration, ok func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if ok() {
			return nil
		}
		select {
		case <-proc.Done():
			return fmt.Errorf("%s exited before %s was ready (%v); see %s:\n%s", proc.Name, what, proc.Err(), proc.LogPath, tail(proc.LogPath, 20))
		case <-ctx.Done():
			return fmt.Errorf("%s: %s not ready after %s; see %s:\n%s", proc.Name, what, timeout, proc.LogPath, tail(proc.LogPath, 20))
		case <-t.C:
		}
	}
}
