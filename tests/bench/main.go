// Command bench measures the platform on a real local stack and prints each
// figure beside a baseline measured in the same run:
//
//	go run ./bench jobs     # Dapr job pipeline vs. raw AMQP on the same RabbitMQ
//	go run ./bench banners  # Banner actor posts vs. a read through the actor, a bare actor call and a Redis Lua check-and-set; 100k activations
//
// Figures are printed, never asserted. `make bench` runs both.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/airdisplay/platform/infra/local/stack"
	"github.com/airdisplay/platform/tests/localstack"
)

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "jobs" && os.Args[1] != "banners") {
		fmt.Fprintln(os.Stderr, "usage: bench jobs|banners [flags]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "jobs":
		err = benchJobs(ctx, os.Args[2:])
	case "banners":
		err = benchBanners(ctx, os.Args[2:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// startStack runs the platform on free ports in a temporary directory.
func startStack(ctx context.Context, o localstack.Options) (*stack.Stack, func(), error) {
	dir, err := os.MkdirTemp("", "airdisplay-bench-")
	if err != nil {
		return nil, nil, err
	}
	fmt.Println("starting the local stack…")
	s, err := localstack.Start(ctx, dir, o)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return s, func() {
		s.Stop()
		// BENCH_KEEP_LOGS=1 keeps every process's log for a look afterwards.
		if os.Getenv("BENCH_KEEP_LOGS") != "" {
			fmt.Println("logs kept in", dir)
			return
		}
		os.RemoveAll(dir)
	}, nil
}

// result is one measured side of a comparison.
type result struct {
	name      string
	n         int
	elapsed   time.Duration
	latencies []time.Duration
}

func (r result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

func (r result) pct(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	l := slices.Clone(r.latencies)
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	return l[min(len(l)-1, int(p*float64(len(l))))]
}

func printTable(title, unit string, rows ...result) {
	fmt.Printf("\n%s\n", title)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "\tcount\t%s/s\tp50\tp99\t\n", unit)
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%d\t%.0f\t%s\t%s\t\n", r.name, r.n, r.rate(), r.pct(0.50).Round(10*time.Microsecond), r.pct(0.99).Round(10*time.Microsecond))
	}
	w.Flush()
}

// rssKB sums the peak resident set (VmHWM) of every process in the given
// process groups.
func rssKB(pgids ...int) int {
	total := 0
	for _, pid := range processesIn(pgids) {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(line, "VmHWM:") {
				f := strings.Fields(line)
				kb, _ := strconv.Atoi(f[1])
				total += kb
			}
		}
	}
	return total
}

// processesIn lists the live processes of the given process groups.
func processesIn(pgids []int) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pg, err := syscall.Getpgid(pid); err == nil && slices.Contains(pgids, pg) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func intFlag(fs *flag.FlagSet, name string, def int, usage string) *int {
	return fs.Int(name, def, usage)
}

// atRate calls fn(i, due) for i in [0, n) at rate per second, each in its
// own goroutine at its due time whether or not earlier calls have
// returned (an open loop), and returns once all have.
func atRate(n int, rate float64, fn func(i int, due time.Time)) {
	interval := time.Duration(float64(time.Second) / rate)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(due))
		wg.Go(func() { fn(i, due) })
	}
	wg.Wait()
}

// envFlag is a flag of KEY=VALUE pairs, comma-separated, added to an app's
// (and its sidecar's) environment.
func envFlag(fs *flag.FlagSet, name, usage string) func(into map[string]string) map[string]string {
	v := fs.String(name, "", usage+" (KEY=VALUE,…)")
	return func(into map[string]string) map[string]string {
		for kv := range strings.SplitSeq(*v, ",") {
			if k, val, ok := strings.Cut(kv, "="); ok {
				into[k] = val
			}
		}
		return into
	}
}
