package stack

import (
	"sync"
	"testing"
	"time"

	"github.com/airdisplay/platform/infra/local/supervisor"
)

// A killed process comes back on its own; once the stack stops, a killed
// process stays down.
func TestKeepRestartsAKilledProcessUntilTheStackStops(t *testing.T) {
	s := &Stack{LogDir: t.TempDir(), closing: make(chan struct{})}
	spec := supervisor.Spec{Name: "sleeper", Path: "/bin/sleep", Args: []string{"300"}, LogDir: s.LogDir}
	first, err := supervisor.Start(spec)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	current := first
	get := func() *supervisor.Process { mu.Lock(); defer mu.Unlock(); return current }
	go s.keep(first, spec,
		func(p *supervisor.Process) bool { return !s.stopping() && get() == p },
		func(np *supervisor.Process) { mu.Lock(); current = np; mu.Unlock() })

	first.Kill()
	deadline := time.Now().Add(10 * time.Second)
	for get() == first {
		if time.Now().After(deadline) {
			t.Fatal("the killed process was not restarted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	second := get()
	if !second.Running() {
		t.Fatal("the restarted process is not running")
	}

	close(s.closing)
	second.Kill()
	// keep returns on closing at once; give it well over its back-off.
	time.Sleep(restartBackoff + 500*time.Millisecond)
	if p := get(); p != second {
		p.Kill()
		t.Fatal("a process was restarted after the stack began to stop")
	}
}
