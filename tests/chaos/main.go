// Command chaos runs the platform on a local stack under a steady load of
// jobs and banner posts, SIGKILLs one process at a time (a consumer, a
// consumer's daprd, banner-actor, its daprd, placement, scheduler, Redis,
// RabbitMQ), lets the stack restart it as a kubelet would, checks that the
// system recovers with no manual step, and ends with an account of every
// job and banner message. It exits 1 when anything was lost, duplicated or
// overwritten, or a fault was not recovered from.
//
//	make chaos                       # every fault, 20 s of load between faults
//	cd tests && go run ./chaos -settle 10s -faults redis,rabbitmq
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/airdisplay/platform/tests/localstack"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
}

// config is what the flags set.
type config struct {
	settle     time.Duration // load between faults, and before the first
	recover    time.Duration // deadline for the system to serve again after a fault
	drain      time.Duration // deadline for every accepted job and message to finish
	jobRate    float64       // jobs submitted per second
	bannerRate float64       // direct banner posts per second
	banners    int           // banners the load spreads over
	display    time.Duration // BANNER_DISPLAY_DURATION
	lateAfter  time.Duration // an expiry later than this counts as late
	faults     []string
	keepDir    bool
}

func run() error {
	var cfg config
	var faults string
	flag.DurationVar(&cfg.settle, "settle", 20*time.Second, "steady load before the first fault and between faults")
	flag.DurationVar(&cfg.recover, "recover", 2*time.Minute, "deadline for jobs and banner posts to be served again after a fault")
	flag.DurationVar(&cfg.drain, "drain", 4*time.Minute, "deadline, after the load stops, for every accepted job and message to finish")
	flag.Float64Var(&cfg.jobRate, "job-rate", 20, "jobs submitted per second")
	flag.Float64Var(&cfg.bannerRate, "banner-rate", 1, "direct banner posts per second (banner.message jobs come on top)")
	flag.IntVar(&cfg.banners, "banners", 12, "banners the load is spread over")
	flag.DurationVar(&cfg.display, "display", 5*time.Second, "how long a banner shows a message (BANNER_DISPLAY_DURATION)")
	flag.DurationVar(&cfg.lateAfter, "late-after", 2*time.Second, "an expiry later than this after expiresAt counts as late")
	flag.StringVar(&faults, "faults", strings.Join(faultNames(), ","), "faults to inject, in order")
	flag.BoolVar(&cfg.keepDir, "keep", false, "keep the stack's state and logs directory (always kept when the run fails)")
	flag.Parse()
	for _, f := range strings.Split(faults, ",") {
		if f = strings.TrimSpace(f); f != "" {
			if _, ok := faultByName(f); !ok {
				return fmt.Errorf("unknown fault %q; known: %s", f, strings.Join(faultNames(), ", "))
			}
			cfg.faults = append(cfg.faults, f)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir, err := os.MkdirTemp("", "airdisplay-chaos-")
	if err != nil {
		return err
	}
	fmt.Println("chaos: starting the local stack (2 consumers, 2 banner-actors)…")
	s, err := localstack.Start(ctx, dir, localstack.Options{
		Replicas:  map[string]int{"consumer": 2, "banner-actor": 2},
		KeepAlive: true,
		AppEnv: map[string]map[string]string{
			// One client sends all the load: lift the per-client limits.
			"producer": {"RATE_LIMIT_PER_SECOND": "0"},
			// Debug logs one line per commit, which the account counts.
			"consumer": {"LOG_LEVEL": "debug"},
			"banner-actor": {
				"RATE_LIMIT_PER_SECOND": "0", "BANNER_DISPLAY_DURATION": cfg.display.String(),
				// Every message of the run stays in the history the account reads.
				"BANNER_HISTORY": "1000", "BANNER_MAX_QUEUE": "1000",
			},
		},
	})
	if err != nil {
		return fmt.Errorf("the local stack did not start (run `make deps dapr` first): %w", err)
	}
	failed := true
	defer func() {
		s.Stop()
		if failed || cfg.keepDir {
			fmt.Println("chaos: state and logs kept in", dir)
		} else {
			os.RemoveAll(dir)
		}
	}()
	rdb := localstack.Redis(s)
	defer rdb.Close()

	r := &runner{cfg: cfg, stack: s, redis: rdb, api: newAPI(s)}
	rep, err := r.run(ctx)
	if err != nil {
		localstack.DumpLogs(os.Stderr, s, 20)
		return err
	}
	rep.print(os.Stdout)
	if problems := rep.problems(); len(problems) > 0 {
		return fmt.Errorf("%d invariant(s) broken:\n  %s\nlogs: %s", len(problems), strings.Join(problems, "\n  "), s.LogDir)
	}
	failed = false
	return nil
}
