// Package supervisor starts child processes in their own process groups,
// prefixes and saves their output, and stops them without leaving orphans.
package supervisor

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Spec describes a process to start.
type Spec struct {
	Name    string   // log prefix, also the log file name
	Path    string   // executable
	Args    []string // arguments, without the executable
	Dir     string
	Env     []string // full environment; nil inherits the launcher's
	LogDir  string   // where <Name>.log is written
	Console io.Writer
}

// Process is a started child process and its process group.
type Process struct {
	Name    string
	LogPath string

	cmd   *exec.Cmd
	alive *os.File // write end of the watcher's pipe; see Start
	done  chan struct{}
	err   error
}

// wrapper starts the command through sh so that the whole process group
// dies with the launcher, even when the launcher is SIGKILLed: Pdeathsig
// reaches only the direct child, not what it starts (go run's binary, the
// Erlang VM under rabbitmq-server). A background watcher in the group reads
// fd 3, a pipe whose only write end the launcher holds. When the launcher
// dies, however, the kernel closes that end, the read sees EOF and the
// watcher SIGKILLs its group. When the leader exits first, Start's waiter
// writes a line instead and the watcher leaves quietly. sh then execs the
// command itself, so the pid (and group id), exit status and Pdeathsig stay
// the command's own.
const wrapper = `(if read -r _ <&3; then exit 0; fi; kill -9 0) </dev/null >/dev/null 2>&1 &
exec "$0" "$@" 3<&-`

// Start launches the process. Its stdout and stderr go, line by line, to
// LogDir/<Name>.log and, prefixed with the name, to Console when it is set.
func Start(spec Spec) (*Process, error) {
	if err := os.MkdirAll(spec.LogDir, 0o755); err != nil {
		return nil, err
	}
	logPath := filepath.Join(spec.LogDir, spec.Name+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	// Resolve the executable here, as exec.Command would, so that a missing
	// one fails Start rather than the wrapper.
	path := spec.Path
	if !strings.Contains(path, "/") {
		if path, err = exec.LookPath(path); err != nil {
			logFile.Close()
			return nil, fmt.Errorf("start %s: %w", spec.Name, err)
		}
	}
	watchR, watchW, err := os.Pipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	cmd := exec.Command("/bin/sh", append([]string{"-c", wrapper, path}, spec.Args...)...)
	cmd.Dir = spec.Dir
	cmd.Env = spec.Env
	cmd.ExtraFiles = []*os.File{watchR} // fd 3
	// A group of its own lets Stop reach grandchildren (go run's binary,
	// the Erlang VM); Pdeathsig stops the child at once if the launcher is
	// killed, and the wrapper's watcher then kills the rest of the group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	pr, pw := io.Pipe()
	cmd.Stdout = pw
	cmd.Stderr = pw
	err = cmd.Start()
	watchR.Close()
	if err != nil {
		watchW.Close()
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	p := &Process{Name: spec.Name, LogPath: logPath, cmd: cmd, alive: watchW, done: make(chan struct{})}
	var copied sync.WaitGroup
	copied.Add(1)
	go func() {
		defer copied.Done()
		copyLines(pr, logFile, spec.Console, spec.Name)
	}()
	go func() {
		p.err = cmd.Wait()
		// The leader is gone: let the watcher go without killing the group
		// (Stop and Kill still reach what is left in it).
		_, _ = p.alive.Write([]byte("exit\n"))
		p.alive.Close()
		pw.Close()
		copied.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

func copyLines(r io.Reader, file io.Writer, console io.Writer, name string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		file.Write(append(line, '\n'))
		if console != nil {
			fmt.Fprintf(console, "%-22s | %s\n", name, line)
		}
	}
	// Drain anything left after an over-long line so the child never blocks.
	io.Copy(io.Discard, r)
}

// Pid is the child's process id (also its process group id).
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err is the exit error; valid after Done is closed.
func (p *Process) Err() error { return p.err }

// Running reports whether the process has not yet exited.
func (p *Process) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Stop sends SIGTERM to the whole group, waits up to grace for it to empty,
// then sends SIGKILL. It returns once no process of the group is left.
func (p *Process) Stop(grace time.Duration) {
	pgid := p.Pid()
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	if waitGroupGone(pgid, p.done, grace) {
		return
	}
	p.Kill()
}

// Kill sends SIGKILL to the whole group and waits for it to be gone.
func (p *Process) Kill() {
	pgid := p.Pid()
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	waitGroupGone(pgid, p.done, 10*time.Second)
}

// waitGroupGone waits for the leader to exit and for the group to empty.
func waitGroupGone(pgid int, done <-chan struct{}, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	select {
	case <-done:
	case <-ctx.Done():
		return false
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
}
