package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/tests/localstack"
)

// benchJobs sends N work.simulate jobs through producer → jobs pub/sub →
// consumers and measures throughput and enqueue-to-processed latency (a
// backlog); then offers jobs one by one at fractions of that rate (-open-at,
// an open loop) for latency against load, with how busy the machine was;
// then N asynq tasks on the same Redis and, on the same RabbitMQ, N
// messages of the same size published and consumed (manual ack) by as many
// raw AMQP consumers.
func benchJobs(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("jobs", flag.ExitOnError)
	n := intFlag(fs, "n", 5000, "jobs per side")
	// One consumer, as `make run` starts: on these two cores a second
	// replica splits the arrivals into half-size batches, each paying its
	// sidecar calls, and lost on rate and latency alike (docs/benchmarks.md).
	consumers := intFlag(fs, "consumers", 1, "consumer replicas (and baseline consumers)")
	openLoop := fs.Duration("open-loop", 10*time.Second, "how long jobs are offered one by one at each rate of -open-at, for latency")
	openAt := fs.String("open-at", "0.25,0.5", "the open loop's offered rates, as fractions of the pipeline's measured rate (the goal is at 0.5)")
	openRate := fs.String("open-rate", "", "the open loop's offered rates in jobs/s instead of -open-at's fractions, to compare two configurations at the same load")
	consumerEnv := envFlag(fs, "consumer-env", "added to each consumer's and its sidecar's environment, e.g. JOBS_BATCH_WAIT=25ms")
	_ = fs.Parse(args)
	// A bad -open-at fails now, not after the stack has started and the
	// backlog has run.
	fractions, err := parseRates("-open-at", *openAt, 1)
	if err != nil {
		return err
	}
	var fixed []float64
	if *openRate != "" {
		if fixed, err = parseRates("-open-rate", *openRate, 1e6); err != nil {
			return err
		}
	}

	s, stop, err := startStack(ctx, localstack.Options{Replicas: map[string]int{"consumer": *consumers},
		AppEnv: map[string]map[string]string{"producer": {"RATE_LIMIT_PER_SECOND": "0"}, "consumer": consumerEnv(map[string]string{})}})
	if err != nil {
		return err
	}
	defer stop()
	rdb := localstack.Redis(s)
	defer rdb.Close()

	// Warm up: the first jobs pay for connections and caches.
	if _, err := submit(ctx, s.App("producer").URL(), 200); err != nil {
		return err
	}
	time.Sleep(2 * time.Second)

	fmt.Printf("pipeline: %d jobs through %d consumers…\n", *n, *consumers)
	cpu := startCPU(s)
	start := time.Now()
	ids, err := submit(ctx, s.App("producer").URL(), *n)
	if err != nil {
		return err
	}
	recs, err := waitProcessed(ctx, rdb, ids, 10*time.Minute)
	if err != nil {
		return err
	}
	pipe := result{name: "dapr pipeline", n: len(ids)}
	var last time.Time
	for _, r := range recs {
		if r.FinishedAt != nil {
			pipe.latencies = append(pipe.latencies, r.FinishedAt.Sub(r.CreatedAt))
			if r.FinishedAt.After(last) {
				last = *r.FinishedAt
			}
		}
	}
	pipe.elapsed = last.Sub(start)
	cpu.print("pipeline: where the CPU went", time.Since(start), runtime.NumCPU())

	// Latency against load: the same open loop at each fraction of the
	// rate just measured, lightest first. The goal is at half of it.
	rates := make([]float64, len(fractions))
	for i, f := range fractions {
		rates[i] = pipe.rate() * f
	}
	if fixed != nil {
		rates, fractions = fixed, make([]float64, len(fixed))
		for i, r := range fixed {
			fractions[i] = r / pipe.rate()
		}
	}
	var opens []result // parallel to rates
	var loads []load
	for i, rate := range rates {
		f := fractions[i]
		fmt.Printf("pipeline open loop: %.0f jobs/s (%.2f of its rate) offered one by one for %s…\n", rate, f, *openLoop)
		cpu = startCPU(s)
		openStart := time.Now()
		open, waited, accepted, err := openLoopRun(ctx, s.App("producer").URL(), rdb, rate, *openLoop)
		if err != nil {
			return err
		}
		loads = append(loads, cpu.print(fmt.Sprintf("open loop at %.0f jobs/s: where the CPU went", rate), time.Since(openStart), runtime.NumCPU()))
		fmt.Printf("open loop at %.0f jobs/s, POST /v1/jobs answered (the producer's group commit and publish): p50 %s, p99 %s\n",
			rate, accepted.pct(0.50).Round(100*time.Microsecond), accepted.pct(0.99).Round(100*time.Microsecond))
		fmt.Printf("open loop at %.0f jobs/s, enqueue to consumer start (producer commit, publish, broker, delivery, record read): p50 %s, p99 %s\n",
			rate, waited.pct(0.50).Round(100*time.Microsecond), waited.pct(0.99).Round(100*time.Microsecond))
		opens = append(opens, open)
	}

	fmt.Printf("baseline: %d asynq tasks through %d asynq servers on the same Redis…\n", *n, *consumers)
	peer, err := asynqBaseline(ctx, s.RedisAddr, *n, *consumers)
	if err != nil {
		return err
	}

	sample, _ := json.Marshal(contract.Message{ID: "00000000-0000-0000-0000-000000000000", Type: contract.TypeWorkSimulate, Payload: json.RawMessage(`{}`), EnqueuedAt: time.Now().UTC()})
	fmt.Printf("baseline: %d raw AMQP messages of %d bytes through %d consumers…\n", *n, len(sample), *consumers)
	base, err := amqpBaseline(ctx, s.RabbitURL, *n, *consumers, len(sample))
	if err != nil {
		return err
	}
	printTable("Jobs: enqueue to processed", "jobs", append(append([]result{pipe}, opens...), peer, base)...)
	fmt.Printf("\nratio pipeline/raw AMQP throughput: %.3f   pipeline/asynq: %.3f   (goal: ≥ 1,000 jobs/s)\n", pipe.rate()/base.rate(), pipe.rate()/peer.rate())
	for i, open := range opens {
		goalNote := ""
		if fixed == nil && fractions[i] == 0.5 {
			goalNote = "   (goal at half the rate: p99 ≤ 50 ms)"
		}
		fmt.Printf("open loop at %.0f jobs/s: p50 %s, p99 %s%s\n  %s\n", open.rate(), open.pct(0.50).Round(time.Millisecond), open.pct(0.99).Round(time.Millisecond), goalNote, loads[i])
	}
	fmt.Println("settings: app protocol http; pubsub.rabbitmq, bulk publish and bulk subscribe (components/local/jobs.yaml;")
	fmt.Println("          consumer JOBS_BATCH_SIZE 100, JOBS_BATCH_WAIT 10ms); the producer group-commits concurrent POSTs")
	fmt.Println("          (one committer, up to 5 ms for a group to fill); each app and sidecar runs with GOMAXPROCS=1.")
	return nil
}

// parseRates reads a flag's comma-separated list of numbers in (0, most],
// lightest first.
func parseRates(name, list string, most float64) ([]float64, error) {
	var fs []float64
	for f := range strings.SplitSeq(list, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || v <= 0 || v > most {
			return nil, fmt.Errorf("%s: %q is not a number in (0, %g]", name, f, most)
		}
		fs = append(fs, v)
	}
	slices.Sort(fs)
	return fs, nil
}

// openLoopRun offers jobs one by one (POST /v1/jobs) at a fixed rate for d,
// each on its own schedule whether or not earlier ones have returned, and
// measures each job's enqueue to processed (its record's createdAt to
// finishedAt) once all are done.
//
// The second result holds the part of each latency spent before the
// consumer started the job (createdAt to startedAt), the third how long
// each POST took to be answered (the producer stored and published it).
func openLoopRun(ctx context.Context, producer string, rdb redis.UniversalClient, rate float64, d time.Duration) (result, result, result, error) {
	if rate <= 0 {
		return result{}, result{}, result{}, fmt.Errorf("open loop: rate %v", rate)
	}
	n := max(1, int(rate*d.Seconds()))
	// Clients of an API keep their connections; fasthttp's client reads
	// each answer on the caller's goroutine, where net/http hands every
	// request to two more per connection: the load generator shares the
	// two cores with the stack it measures, so the less it spends the less
	// it adds to the tail.
	client := &fasthttp.Client{MaxConnsPerHost: 512}
	url := producer + "/v1/jobs"
	ids := make([]string, n)
	accepted := result{latencies: make([]time.Duration, n)}
	errs := make(chan error, n)
	body := []byte(`{"type":"` + contract.TypeWorkSimulate + `","payload":{}}`)
	atRate(n, rate, func(i int, _ time.Time) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI(url)
		req.Header.SetMethod(fasthttp.MethodPost)
		req.Header.SetContentType("application/json")
		req.Header.Set("Authorization", "Bearer "+localstack.DevAPIKey)
		req.SetBodyRaw(body)
		t0 := time.Now()
		err := client.DoTimeout(req, resp, 30*time.Second)
		accepted.latencies[i] = time.Since(t0)
		if err != nil {
			errs <- err
			return
		}
		var out struct{ ID string }
		if err := json.Unmarshal(resp.Body(), &out); err != nil || resp.StatusCode() != http.StatusAccepted {
			errs <- fmt.Errorf("submit: %d %v", resp.StatusCode(), err)
			return
		}
		ids[i] = out.ID
	})
	close(errs)
	if err := <-errs; err != nil {
		return result{}, result{}, result{}, err
	}
	recs, err := waitProcessed(ctx, rdb, ids, 5*time.Minute)
	if err != nil {
		return result{}, result{}, result{}, err
	}
	// The rate column shows the offered rate, not what was achieved.
	res := result{name: fmt.Sprintf("dapr pipeline, open loop %.0f/s", rate), n: n, elapsed: time.Duration(float64(n) / rate * float64(time.Second))}
	var waited result
	for _, r := range recs {
		if r.FinishedAt != nil {
			res.latencies = append(res.latencies, r.FinishedAt.Sub(r.CreatedAt))
		}
		if r.StartedAt != nil {
			waited.latencies = append(waited.latencies, r.StartedAt.Sub(r.CreatedAt))
		}
	}
	return res, waited, accepted, nil
}

func submit(ctx context.Context, producer string, n int) ([]string, error) {
	ids := make([]string, 0, n)
	for len(ids) < n {
		size := min(1000, n-len(ids))
		jobs := make([]map[string]any, size)
		for i := range jobs {
			jobs[i] = map[string]any{"type": contract.TypeWorkSimulate, "payload": map[string]any{}}
		}
		body, _ := json.Marshal(map[string]any{"jobs": jobs})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, producer+"/v1/jobs:batch", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+localstack.DevAPIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		var out struct{ Jobs []struct{ ID string } }
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusAccepted {
			return nil, fmt.Errorf("batch: %s %v", resp.Status, err)
		}
		for _, j := range out.Jobs {
			ids = append(ids, j.ID)
		}
	}
	return ids, nil
}

// waitProcessed waits until every job of ids has succeeded and returns
// their records. Each look reads only the jobs not yet done, so that the
// benchmark's own reads weigh on the run it measures as little as they can.
func waitProcessed(ctx context.Context, rdb redis.UniversalClient, ids []string, timeout time.Duration) ([]contract.Record, error) {
	deadline := time.Now().Add(timeout)
	recs := make([]contract.Record, 0, len(ids))
	pending := slices.Clone(ids)
	for {
		got := localstack.Records(ctx, rdb, pending)
		still := pending[:0]
		for _, id := range pending {
			if r, ok := got[id]; ok && r.Status == contract.StatusSucceeded {
				recs = append(recs, r)
			} else {
				still = append(still, id)
			}
		}
		pending = still
		if len(pending) == 0 {
			return recs, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("%d of %d jobs processed", len(recs), len(ids))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func amqpBaseline(ctx context.Context, url string, n, consumers, size int) (result, error) {
	conn, err := amqp.Dial(url)
	if err != nil {
		return result{}, err
	}
	defer conn.Close()
	pub, err := conn.Channel()
	if err != nil {
		return result{}, err
	}
	const queue = "bench-baseline"
	if _, err := pub.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		return result{}, err
	}
	_, _ = pub.QueuePurge(queue, false)

	var mu sync.Mutex
	res := result{name: "raw AMQP", n: n}
	done := make(chan struct{})
	received := 0
	var last time.Time
	for range consumers {
		ch, err := conn.Channel()
		if err != nil {
			return result{}, err
		}
		_ = ch.Qos(16, 0, false)
		deliveries, err := ch.Consume(queue, "", false, false, false, false, nil)
		if err != nil {
			return result{}, err
		}
		go func() {
			for d := range deliveries {
				sent, _ := strconv.ParseInt(string(bytes.TrimRight(d.Body[:20], " ")), 10, 64)
				_ = d.Ack(false)
				now := time.Now()
				mu.Lock()
				res.latencies = append(res.latencies, now.Sub(time.Unix(0, sent)))
				received++
				last = now
				if received == n {
					close(done)
				}
				mu.Unlock()
			}
		}()
	}
	body := make([]byte, max(size, 20))
	start := time.Now()
	for range n {
		copy(body, fmt.Sprintf("%-20d", time.Now().UnixNano()))
		if err := pub.PublishWithContext(ctx, "", queue, false, false, amqp.Publishing{DeliveryMode: amqp.Persistent, ContentType: "application/json", Body: body}); err != nil {
			return result{}, err
		}
	}
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		return result{}, fmt.Errorf("baseline: %d of %d received", received, n)
	}
	mu.Lock()
	defer mu.Unlock()
	res.elapsed = last.Sub(start)
	_, _ = pub.QueueDelete(queue, false, false, false)
	return res, nil
}
