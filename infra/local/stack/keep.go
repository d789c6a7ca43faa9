package stack

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/airdisplay/platform/infra/local/supervisor"
)

// Restart back-off, as a kubelet's: it doubles after each crash up to the
// cap, and starts over once a process has stayed up for restartReset.
const (
	restartBackoff    = time.Second
	restartBackoffCap = 30 * time.Second
	restartReset      = time.Minute
)

// keep restarts p whenever it exits while wanted(p) still holds, as a
// kubelet restarts a crashed container. replace installs the new process
// where wanted and the accessors (Infra, AppProcess, Sidecar) look. It
// runs only with Options.KeepAlive; stopping the stack or the instance
// makes wanted false, so a deliberate stop is never undone.
func (s *Stack) keep(p *supervisor.Process, spec supervisor.Spec, wanted func(*supervisor.Process) bool, replace func(*supervisor.Process)) {
	backoff := restartBackoff
	began := time.Now()
	for {
		select {
		case <-p.Done():
		case <-s.closing:
			return
		}
		if !wanted(p) {
			return
		}
		if time.Since(began) > restartReset {
			backoff = restartBackoff
		}
		s.logf("%s exited (%v); restarting in %s", spec.Name, p.Err(), backoff)
		select {
		case <-time.After(backoff):
		case <-s.closing:
			return
		}
		if !wanted(p) {
			return
		}
		backoff = min(backoff*2, restartBackoffCap)
		np, err := supervisor.Start(spec)
		if err != nil {
			s.logf("restart %s: %v", spec.Name, err)
			continue // p is still the exited process: try again after the back-off
		}
		replace(np)
		p, began = np, time.Now()
		s.logf("%s restarted (pid %d)", spec.Name, np.Pid())
	}
}

// stopping reports whether Stop has begun.
func (s *Stack) stopping() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// logf notes what the stack itself does (restarts) on the console and in
// LogDir/stack.log.
func (s *Stack) logf(format string, args ...any) {
	line := fmt.Sprintf("%s "+format+"\n", append([]any{time.Now().UTC().Format(time.RFC3339Nano)}, args...)...)
	if s.opts.Console != nil {
		fmt.Fprintf(s.opts.Console, "%-22s | %s", "stack", line)
	}
	if f, err := os.OpenFile(filepath.Join(s.LogDir, "stack.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
		f.WriteString(line)
		f.Close()
	}
}
