package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/airdisplay/platform/infra/local/stack"
	"github.com/airdisplay/platform/infra/local/supervisor"
)

// fault names one process to SIGKILL and says how to find it.
type fault struct {
	Name    string
	process func(*stack.Stack) *supervisor.Process
	// expiry is true when banner expiry cannot run while the process is
	// down (the actor's app and sidecar, placement, the state store): an
	// expiry due in its outage is owed lateAfter after it serves again.
	expiry bool
}

// faults are injected in this order by default: the apps and their
// sidecars first, then the control plane, then the stores and the broker.
var faults = []fault{
	{"consumer", func(s *stack.Stack) *supervisor.Process { return s.Apps("consumer")[0].AppProcess() }, false},
	{"consumer-daprd", func(s *stack.Stack) *supervisor.Process { return s.Apps("consumer")[1].Sidecar() }, false},
	{"banner-actor", func(s *stack.Stack) *supervisor.Process { return s.Apps("banner-actor")[0].AppProcess() }, true},
	{"banner-actor-daprd", func(s *stack.Stack) *supervisor.Process { return s.Apps("banner-actor")[1].Sidecar() }, true},
	{"placement", func(s *stack.Stack) *supervisor.Process { return s.Infra("placement") }, true},
	{"scheduler", func(s *stack.Stack) *supervisor.Process { return s.Infra("scheduler") }, false},
	{"redis", func(s *stack.Stack) *supervisor.Process { return s.Infra("redis") }, true},
	{"rabbitmq", func(s *stack.Stack) *supervisor.Process { return s.Infra("rabbitmq") }, false},
}

func faultNames() []string {
	names := make([]string, len(faults))
	for i, f := range faults {
		names[i] = f.Name
	}
	return names
}

func faultByName(name string) (fault, bool) {
	for _, f := range faults {
		if f.Name == name {
			return f, true
		}
	}
	return fault{}, false
}

// faultResult is one row of the fault table.
type faultResult struct {
	Name      string
	Killed    time.Time
	Restarted time.Duration // from the kill until the stack had it running again
	Recovered time.Duration // from the kill until a job and a banner post were accepted again
	Err       string
	expiry    bool // expiry depends on the process (fault.expiry)

	// Expiries due between this kill and the next that came down late,
	// and the worst of them: what the fault cost the banners' 60 s.
	ExpiredLate      int
	WorstExpiryDelay time.Duration
}

// inject kills the fault's process with SIGKILL, waits for the stack to
// restart it (the only thing that brings it back: no manual step), then
// for the platform to accept jobs and banner posts again.
func (r *runner) inject(ctx context.Context, f fault) faultResult {
	res := faultResult{Name: f.Name, expiry: f.expiry}
	victim := f.process(r.stack)
	if victim == nil || !victim.Running() {
		res.Err = "process not running before the fault"
		return res
	}
	killed := time.Now()
	res.Killed = killed
	victim.Kill()
	fmt.Printf("chaos: %s killed (SIGKILL, pid %d)\n", f.Name, victim.Pid())

	deadline, cancel := context.WithTimeout(ctx, r.cfg.recover)
	defer cancel()
	for {
		if p := f.process(r.stack); p != nil && p != victim && p.Running() {
			res.Restarted = time.Since(killed)
			break
		}
		if !sleep(deadline, 50*time.Millisecond) {
			res.Err = "not restarted"
			return res
		}
	}
	// Served again: something accepted after the restart, and the app
	// itself healthy where the victim was an app or a sidecar.
	for {
		job, post := r.ledger.lastOK()
		if job.After(killed.Add(res.Restarted)) && post.After(killed.Add(res.Restarted)) && r.healthy(deadline) {
			res.Recovered = time.Since(killed)
			fmt.Printf("chaos: %s restarted after %s, serving again after %s\n", f.Name, res.Restarted.Round(time.Millisecond), res.Recovered.Round(time.Millisecond))
			return res
		}
		if !sleep(deadline, 100*time.Millisecond) {
			res.Err = fmt.Sprintf("not serving %s after the kill", r.cfg.recover)
			return res
		}
	}
}

// healthy reports whether every app and sidecar answers its health check.
func (r *runner) healthy(ctx context.Context) bool {
	c := &http.Client{Timeout: 2 * time.Second}
	for _, id := range r.stack.AppIDs() {
		for _, in := range r.stack.Apps(id) {
			for _, url := range []string{in.URL() + "/readyz", in.DaprURL() + "/v1.0/healthz"} {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				resp, err := c.Do(req)
				if err != nil {
					return false
				}
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					return false
				}
			}
		}
	}
	return true
}

// sleep waits d, or returns false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}
