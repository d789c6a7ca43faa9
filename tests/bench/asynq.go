package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
)

// asynqBaseline is the Go job queue a team would pick instead of the
// platform: github.com/hibiken/asynq on the same Redis, n no-op tasks
// enqueued by 16 goroutines, worked by `workers` servers of 16 goroutines
// each (as many as the pipeline's consumers, each taking 16 at a time like
// its prefetch). Latency is enqueue to handler return.
func asynqBaseline(ctx context.Context, redisAddr string, n, workers int) (result, error) {
	addrs := strings.Split(redisAddr, ",")
	var opt asynq.RedisConnOpt = asynq.RedisClientOpt{Addr: addrs[0]}
	if len(addrs) > 1 {
		opt = asynq.RedisClusterClientOpt{Addrs: addrs}
	}
	const queue = "bench-baseline"
	var mu sync.Mutex
	res := result{name: "asynq v0.26.0", n: n}
	done := make(chan struct{})
	received := 0
	var last time.Time
	handler := asynq.HandlerFunc(func(_ context.Context, t *asynq.Task) error {
		sent, _ := strconv.ParseInt(string(t.Payload()), 10, 64)
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		res.latencies = append(res.latencies, now.Sub(time.Unix(0, sent)))
		received++
		last = now
		if received == n {
			close(done)
		}
		return nil
	})
	servers := make([]*asynq.Server, workers)
	for i := range servers {
		servers[i] = asynq.NewServer(opt, asynq.Config{
			Concurrency: 16, Queues: map[string]int{queue: 1},
			LogLevel: asynq.WarnLevel, ShutdownTimeout: 5 * time.Second,
		})
		if err := servers[i].Start(handler); err != nil {
			return result{}, err
		}
		defer servers[i].Shutdown()
	}
	client := asynq.NewClient(opt)
	defer client.Close()

	start := time.Now()
	next := make(chan struct{}, n)
	for range n {
		next <- struct{}{}
	}
	close(next)
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range next {
				t := asynq.NewTask("noop", []byte(strconv.FormatInt(time.Now().UnixNano(), 10)))
				if _, err := client.EnqueueContext(ctx, t, asynq.Queue(queue), asynq.MaxRetry(3)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return result{}, fmt.Errorf("asynq enqueue: %w", err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		return result{}, fmt.Errorf("asynq: %d of %d processed", received, n)
	}
	mu.Lock()
	defer mu.Unlock()
	res.elapsed = last.Sub(start)
	return res, nil
}
