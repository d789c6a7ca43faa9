package supervisor

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// launcherEnv makes the test binary act as a launcher (TestLauncherHelper).
const launcherEnv = "SUPERVISOR_TEST_LAUNCHER_DIR"

// Not a test: the launcher process TestNoOrphansWhenTheLauncherIsKilled
// starts from the test binary. It starts a child that starts a grandchild,
// writes both pids to files in the given directory and waits to be killed.
func TestLauncherHelper(t *testing.T) {
	dir := os.Getenv(launcherEnv)
	if dir == "" {
		t.Skip("only run as the launcher of TestNoOrphansWhenTheLauncherIsKilled")
	}
	p, err := Start(Spec{
		Name: "tree", Path: "sh", Args: []string{"-c", "sleep 300 & echo $! > grandchild.tmp && mv grandchild.tmp grandchild; wait"},
		Dir: dir, LogDir: dir,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "child"), []byte(strconv.Itoa(p.Pid())), 0o644); err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	t.Fatalf("the child exited while the launcher ran: %v", p.Err())
}

// A SIGKILLed launcher leaves nothing behind: not its child (Pdeathsig) and
// not its grandchild either (the wrapper's watcher kills the group).
func TestNoOrphansWhenTheLauncherIsKilled(t *testing.T) {
	dir := t.TempDir()
	launcher := exec.Command(os.Args[0], "-test.run=^TestLauncherHelper$", "-test.count=1")
	launcher.Env = append(os.Environ(), launcherEnv+"="+dir)
	var out syncBuffer
	launcher.Stdout, launcher.Stderr = &out, &out
	if err := launcher.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- launcher.Wait() }()
	readPid := func(name string) int {
		deadline := time.Now().Add(10 * time.Second)
		for {
			if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
				if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
					return pid
				}
			}
			select {
			case err := <-exited:
				t.Fatalf("launcher exited early (%v): %s", err, out.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s pid from the launcher: %s", name, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	child, grandchild := readPid("child"), readPid("grandchild")
	t.Cleanup(func() { syscall.Kill(-child, syscall.SIGKILL) }) // whatever happens below
	if !alive(grandchild) || !alive(child) {
		t.Fatal("the tree is not running before the launcher is killed")
	}

	if err := launcher.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	deadline := time.Now().Add(10 * time.Second)
	for alive(child) || alive(grandchild) {
		if time.Now().After(deadline) {
			t.Fatalf("10 s after the launcher was SIGKILLed: child alive %v, grandchild alive %v", alive(child), alive(grandchild))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether pid is a live process (a zombie awaiting its reaper
// counts as gone).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}
