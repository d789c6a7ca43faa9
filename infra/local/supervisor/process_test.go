package supervisor

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Stop reaches grandchildren that ignore nothing but still outlive their
// parent, as `go run`'s binary and the Erlang VM would.
func TestStopLeavesNoProcessOfTheGroup(t *testing.T) {
	var console syncBuffer
	p, err := Start(Spec{
		Name: "tree", Path: "/bin/sh", Args: []string{"-c", "sleep 300 & sleep 300 & echo started; wait"},
		LogDir: t.TempDir(), Console: &console,
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(console.String(), "tree") {
		if time.Now().After(deadline) {
			t.Fatal("no output")
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Stop(2 * time.Second)
	if err := syscall.Kill(-p.Pid(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process group %d still has members after Stop", p.Pid())
	}
	if p.Running() {
		t.Fatal("Running after Stop")
	}
	if !strings.Contains(console.String(), "tree                   | started") {
		t.Errorf("console output not prefixed: %q", console.String())
	}
	log, _ := os.ReadFile(p.LogPath)
	if string(log) != "started\n" {
		t.Errorf("log file holds %q", log)
	}
}

// A process that ignores SIGTERM is killed once the grace period ends.
func TestStopKillsWhatIgnoresSIGTERM(t *testing.T) {
	p, err := Start(Spec{
		Name: "stubborn", Path: "/bin/sh", Args: []string{"-c", "trap '' TERM; echo ready; while true; do sleep 1; done"},
		LogDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	p.Stop(500 * time.Millisecond)
	if err := syscall.Kill(-p.Pid(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatal("the stubborn group survived Stop")
	}
	if time.Since(start) < 500*time.Millisecond {
		t.Error("Stop did not give the grace period")
	}
}
