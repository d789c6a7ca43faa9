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
	// self is this process's ticks (the benchmark's own clients), busy
	// and all the machine's, from /proc/stat.
	self, busy, all int
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
	c.busy, c.all = machineTicks()
	return c
}

// machineTicks reads the machine's busy and total CPU ticks from /proc/stat
// (idle and I/O wait are not busy).
func machineTicks() (busy, all int) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.Atoi(f)
		all += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, all
}

// print writes each part's CPU seconds since startCPU and its share of the
// machine's cores over elapsed.
func (c *cpuShare) print(title string, elapsed time.Duration, cores int) {
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
	if busy, all := machineTicks(); all > c.all {
		fmt.Fprintf(w, "the machine busy (all processes, kernel)\t\t%.0f%%\t\n", 100*float64(busy-c.busy)/float64(all-c.all))
	}
	w.Flush()
}
