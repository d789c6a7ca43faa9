package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/airdisplay/platform/infra/local/stack"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat
// (100 on Linux everywhere this runs).
const clockTicks = 100

// cpuTicks sums user and system CPU time of every live process in the
// given process groups.
func cpuTicks(pgids ...int) int {
	total := 0
	for _, pid := range processesIn(pgids) {
		total += procTicks(pid)
	}
	return total
}

// procTicks is one process's user and system CPU time.
func procTicks(pid int) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return u + s
}

// cpuShare is where the CPU went during a run: ticks per part of the stack.
type cpuShare struct {
	parts []string
	pgids map[string][]int
	start map[string]int
	// self is this process's ticks (the benchmark's own clients); the
	// machine's, from /proc/stat.
	self int
	m    machine
	// worst is the largest share of the machine stolen in any 100 ms
	// window, sampled until stop is closed.
	worst chan float64
	stop  chan struct{}
}

// startCPU groups the stack's processes into parts (each app, each app's
// sidecars, and every infrastructure process) and reads their CPU time.
func startCPU(s *stack.Stack) *cpuShare {
	c := &cpuShare{pgids: map[string][]int{}, start: map[string]int{}}
	add := func(part string, pid int) {
		if _, ok := c.pgids[part]; !ok {
			c.parts = append(c.parts, part)
		}
		c.pgids[part] = append(c.pgids[part], pid)
	}
	for _, id := range s.AppIDs() {
		for _, in := range s.Apps(id) {
			add(id+" app", in.AppProcess().Pid())
			add(id+" daprd", in.Sidecar().Pid())
		}
	}
	for _, name := range []string{"redis", "redis-2", "redis-3", "rabbitmq", "epmd", "placement", "scheduler"} {
		if p := s.Infra(name); p != nil {
			add(name, p.Pid())
		}
	}
	for _, part := range c.parts {
		c.start[part] = cpuTicks(c.pgids[part]...)
	}
	c.self = procTicks(os.Getpid())
	c.m = machineTicks()
	c.worst, c.stop = make(chan float64, 1), make(chan struct{})
	go sampleSteal(c.stop, c.worst)
	return c
}

// sampleSteal reads /proc/stat every 100 ms until stop and sends the
// largest share of a window stolen: steal comes in bursts that stall every
// process at once, which a whole run's share hides.
func sampleSteal(stop <-chan struct{}, worst chan<- float64) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	prev, most := machineTicks(), 0.0
	for {
		select {
		case <-stop:
			worst <- most
			return
		case <-t.C:
			m := machineTicks()
			if m.all > prev.all {
				most = max(most, float64(m.steal-prev.steal)/float64(m.all-prev.all))
			}
			prev = m
		}
	}
}

// machine is the machine's CPU ticks from /proc/stat: busy (neither idle
// nor waiting for I/O), of which stolen (a virtual machine's CPUs running
// other guests: every process here stalls), and all.
type machine struct{ busy, steal, all int }

func machineTicks() machine {
	var m machine
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return m
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	// user nice system idle iowait irq softirq steal guest guest_nice;
	// guest time is counted in user time already.
	for i, f := range strings.Fields(line)[1:] {
		if i > 7 {
			break
		}
		v, _ := strconv.Atoi(f)
		m.all += v
		if i != 3 && i != 4 {
			m.busy += v
		}
		if i == 7 {
			m.steal += v
		}
	}
	return m
}

// load is how busy the machine was during a run, as shares: busy, stolen
// over the run, and stolen in its worst 100 ms.
type load struct{ busy, steal, worstSteal float64 }

func (l load) String() string {
	s := fmt.Sprintf("machine %.0f%% busy, %.1f%% stolen (%.0f%% in the worst 100 ms)", 100*l.busy, 100*l.steal, 100*l.worstSteal)
	if l.steal >= stolenMuch {
		s += ": the host took enough to stall every process at once, so this run's tail says more about the host than the pipeline"
	}
	return s
}

// stolenMuch is a run's stolen share from which its latencies are the
// host's: runs with 1.6 % stolen or more had p99s of 67 ms to 3.5 s at
// half the rate, runs with 0.1 % 44–84 ms (docs/benchmarks.md).
const stolenMuch = 0.015

// print writes each part's CPU seconds since startCPU and its share of the
// machine's cores over elapsed, then how busy the machine was, which it
// returns.
func (c *cpuShare) print(title string, elapsed time.Duration, cores int) load {
	fmt.Printf("\n%s (CPU seconds over %s; %d cores = %.0f CPU s)\n", title, elapsed.Round(time.Second), cores, elapsed.Seconds()*float64(cores))
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "\tCPU s\tof the cores\t\n")
	total := 0.0
	for _, part := range c.parts {
		sec := float64(cpuTicks(c.pgids[part]...)-c.start[part]) / clockTicks
		total += sec
		fmt.Fprintf(w, "%s\t%.1f\t%.0f%%\t\n", part, sec, 100*sec/(elapsed.Seconds()*float64(cores)))
	}
	fmt.Fprintf(w, "all of the stack\t%.1f\t%.0f%%\t\n", total, 100*total/(elapsed.Seconds()*float64(cores)))
	self := float64(procTicks(os.Getpid())-c.self) / clockTicks
	fmt.Fprintf(w, "the benchmark's clients\t%.1f\t%.0f%%\t\n", self, 100*self/(elapsed.Seconds()*float64(cores)))
	close(c.stop) // the sampler stops whether or not the machine's share is printed
	l := load{worstSteal: <-c.worst}
	if m := machineTicks(); m.all > c.m.all {
		all := float64(m.all - c.m.all)
		l.busy, l.steal = float64(m.busy-c.m.busy)/all, float64(m.steal-c.m.steal)/all
		fmt.Fprintf(w, "the machine busy (all processes, kernel, steal)\t\t%.0f%%\t\n", 100*l.busy)
		fmt.Fprintf(w, "of which stolen by the host's other guests\t\t%.1f%%\t%.0f%% in the worst 100 ms\n", 100*l.steal, 100*l.worstSteal)
	}
	w.Flush()
	return l
}
