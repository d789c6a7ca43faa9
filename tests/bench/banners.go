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
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/airdisplay/platform/services/contracts/banners"
	"github.com/airdisplay/platform/tests/localstack"
)

// benchBanners first measures the floor under a post (a read through the
// actor over the same hops, and the same read as a bare actor call), then
// posts one message to each of N registered banners from C concurrent
// clients through the REST API and the Banner actors, then does
// the same check-and-set directly on Redis with a Lua script (the
// lock-based design the actors replace); then activates many distinct
// banners and reports time and peak memory of banner-actor and its sidecar.
func benchBanners(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("banners", flag.ExitOnError)
	n := intFlag(fs, "banners", 10_000, "banners posted to")
	clients := intFlag(fs, "clients", 64, "concurrent clients")
	activations := intFlag(fs, "activations", 100_000, "distinct banners to activate")
	openRate := fs.Float64("open-rate", 500, "open loop: posts offered per second, each to a banner showing nothing")
	openFor := fs.Duration("open-for", 10*time.Second, "open loop: how long posts are offered")
	env := envFlag(fs, "env", "added to banner-actor's and its sidecar's environment, e.g. GOMEMLIMIT=1GiB,GOGC=50")
	_ = fs.Parse(args)

	// The per-client write limit would measure itself, not the actors.
	s, stop, err := startStack(ctx, localstack.Options{Replicas: map[string]int{"consumer": 1},
		AppEnv: map[string]map[string]string{"banner-actor": env(map[string]string{"RATE_LIMIT_PER_SECOND": "0"})}})
	if err != nil {
		return err
	}
	defer stop()
	app := s.App("banner-actor")
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients}, Timeout: 30 * time.Second}

	// The open loop's banners are apart from the closed loop's, so that
	// every post of both finds its banner showing nothing: each is shown,
	// with its expiry reminder, the dearest kind of post.
	ids := make([]string, *n)
	for i := range ids {
		ids[i] = fmt.Sprintf("bench-%d", i)
	}
	openIDs := make([]string, max(1, int(*openRate*openFor.Seconds())))
	for i := range openIDs {
		openIDs[i] = fmt.Sprintf("open-%d", i)
	}
	fmt.Printf("registering %d banners…\n", len(ids)+len(openIDs))
	t0 := time.Now()
	if _, err := parallel(ctx, slices.Concat(ids, openIDs), 16, func(id string) (int, error) {
		return call(ctx, hc, http.MethodPut, app.URL()+"/v1/banners/"+id, banners.Registration{Name: "Bench " + id})
	}); err != nil {
		return err
	}
	fmt.Printf("  registered in %s\n", time.Since(t0).Round(time.Millisecond))

	// As in the jobs' open loop: connections enough for every call in flight.
	ohc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512}, Timeout: 30 * time.Second}
	token := app.Env()["DAPR_API_TOKEN"]

	// Before the posts, whose expiries 60 s later would load the machine:
	// the floor under any post on this machine, the same hops (REST →
	// banner-actor → daprd → placement → the actor's turn and back) with
	// one state read and no write, event, timer or reminder.
	fmt.Printf("floor: one read through the actor per banner (GET /v1/banners/{id}), %d clients, then open loop %.0f/s…\n", *clients, *openRate)
	cpu := startCPU(s)
	read, err := parallel(ctx, ids, *clients, func(id string) (int, error) {
		return call(ctx, hc, http.MethodGet, app.URL()+"/v1/banners/"+id, nil)
	})
	if err != nil {
		return err
	}
	read.name = "read through the actor (same hops, one state read)"
	cpu.print("reads: where the CPU went", read.elapsed, runtime.NumCPU())
	openRead, err := openLoop(openIDs, *openRate, http.StatusOK, func(id string) (int, error) {
		return call(ctx, ohc, http.MethodGet, app.URL()+"/v1/banners/"+id, nil)
	})
	if err != nil {
		return err
	}
	openRead.name = fmt.Sprintf("read through the actor, open loop %.0f/s", *openRate)

	// Dapr's own yardstick (its published actor figure): the same read as
	// a bare actor call, straight to daprd's actor API, without the REST hop.
	fmt.Printf("floor: the same read as a bare actor call, straight to daprd, %d clients, then open loop %.0f/s…\n", *clients, *openRate)
	bare := func(id string) (int, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, app.DaprURL()+"/v1.0/actors/"+banners.ActorType+"/"+id+"/method/Get", nil)
		req.Header.Set("dapr-api-token", token)
		resp, err := ohc.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return resp.StatusCode, fmt.Errorf("actor Get: %s", resp.Status)
		}
		return http.StatusOK, nil
	}
	direct, err := parallel(ctx, ids, *clients, bare)
	if err != nil {
		return err
	}
	direct.name = "bare actor call (straight to daprd, one state read)"
	openDirect, err := openLoop(openIDs, *openRate, http.StatusOK, bare)
	if err != nil {
		return err
	}
	openDirect.name = fmt.Sprintf("bare actor call, open loop %.0f/s", *openRate)

	fmt.Printf("actor path: one post to each of %d banners from %d clients…\n", *n, *clients)
	cpu = startCPU(s)
	actor, err := parallel(ctx, ids, *clients, func(id string) (int, error) {
		return call(ctx, hc, http.MethodPost, app.URL()+"/v1/banners/"+id+"/messages", banners.Post{Text: "benchmark message"})
	})
	if err != nil {
		return err
	}
	actor.name = "banner actors (REST → daprd → actor)"
	cpu.print("posts: where the CPU went", actor.elapsed, runtime.NumCPU())

	fmt.Printf("baseline: the same check-and-set as a Redis Lua script, %d clients…\n", *clients)
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: strings.Split(s.RedisAddr, ","), PoolSize: *clients})
	defer rdb.Close()
	lua := redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'expiresAt')
if cur and tonumber(cur) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'text', ARGV[2], 'expiresAt', ARGV[1] + 60000)
return 1`)
	base, err := parallel(ctx, ids, *clients, func(id string) (int, error) {
		ok, err := lua.Run(ctx, rdb, []string{"bench-lock:" + id}, time.Now().UnixMilli(), "benchmark message").Int()
		if ok == 1 {
			return http.StatusCreated, err
		}
		return http.StatusConflict, err
	})
	if err != nil {
		return err
	}
	base.name = "redis Lua check-and-set"

	// What one of a post's six calls costs on its own: registering the
	// expiry reminder with the Dapr scheduler, straight to daprd.
	fmt.Printf("limit: one reminder registration per banner, straight to daprd, %d clients…\n", *clients)
	cpu = startCPU(s)
	rem, err := parallel(ctx, ids, *clients, func(id string) (int, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, app.DaprURL()+"/v1.0/actors/"+banners.ActorType+"/"+id+"/reminders/bench", strings.NewReader(`{"dueTime":"1h"}`))
		req.Header.Set("dapr-api-token", token)
		resp, err := hc.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return resp.StatusCode, fmt.Errorf("register reminder: %s", resp.Status)
		}
		return http.StatusOK, nil
	})
	if err != nil {
		return err
	}
	rem.name = "reminder registration alone (daprd → scheduler)"
	cpu.print("reminders alone: where the CPU went", rem.elapsed, runtime.NumCPU())
	fmt.Printf("open loop: %.0f posts/s for %s, each to its own banner…\n", *openRate, *openFor)
	cpu = startCPU(s)
	open, err := openLoop(openIDs, *openRate, http.StatusCreated, func(id string) (int, error) {
		return call(ctx, ohc, http.MethodPost, app.URL()+"/v1/banners/"+id+"/messages", banners.Post{Text: "benchmark message"})
	})
	if err != nil {
		return err
	}
	open.name = fmt.Sprintf("banner actors, open loop %.0f/s", *openRate)
	cpu.print("open loop: where the CPU went", open.elapsed, runtime.NumCPU())

	printTable(fmt.Sprintf("Banner posts: %d banners, %d clients (accepted posts; the open loop's rate is the offered one)", *n, *clients), "calls", actor, open, read, openRead, direct, openDirect, base, rem)
	fmt.Printf("\nratio actors/lua throughput: %.3f\n", actor.rate()/base.rate())

	fmt.Printf("\nactivating %d distinct banners (GET through the actor)…\n", *activations)
	act := make([]string, *activations)
	for i := range act {
		act[i] = fmt.Sprintf("activate-%d", i)
	}
	pids := []int{app.AppProcess().Pid(), app.Sidecar().Pid()}
	before := rssKB(pids...)
	// In steps of 100,000, each reported: a million takes a quarter hour.
	const step = 100_000
	start, done := time.Now(), 0
	for from := 0; from < len(act); from += step {
		r, err := parallel(ctx, act[from:min(from+step, len(act))], *clients, func(id string) (int, error) {
			return call(ctx, hc, http.MethodGet, app.URL()+"/v1/banners/"+id, nil)
		})
		if err != nil {
			return err
		}
		done += r.n
		fmt.Printf("  %d activated in %s (%.0f/s this step); peak RSS so far %d MiB\n",
			done, time.Since(start).Round(time.Second), r.rate(), rssKB(pids...)/1024)
	}
	elapsed := time.Since(start)
	fmt.Printf("activated %d banners in %s (%.0f/s); peak RSS of banner-actor + daprd: %d MiB (%d MiB before)\n",
		done, elapsed.Round(time.Millisecond), float64(done)/elapsed.Seconds(), rssKB(pids...)/1024, before/1024)

	// The listing after all that: the first 100 pages of 100, by cursor.
	list := result{name: fmt.Sprintf("GET /v1/banners?limit=100 (%d registered, after the activations)", *n)}
	cursor := ""
	for range 100 {
		t0 := time.Now()
		resp, err := hc.Get(app.URL() + "/v1/banners?limit=100&cursor=" + cursor)
		if err != nil {
			return err
		}
		var page struct {
			NextCursor string `json:"nextCursor"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("listing: %s %v", resp.Status, err)
		}
		list.latencies = append(list.latencies, time.Since(t0))
		list.n++
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	list.elapsed = sum(list.latencies)
	printTable("Listing", "pages", list)
	return nil
}

// openLoop calls fn for each id at a fixed rate, each on its own schedule
// whether or not earlier calls have returned, and times each from when it
// was due (a late start counts against the call). Every call must answer
// want.
func openLoop(ids []string, rate float64, want int, fn func(id string) (int, error)) (result, error) {
	res := result{latencies: make([]time.Duration, len(ids))}
	codes := make([]int, len(ids))
	errs := make([]error, len(ids))
	atRate(len(ids), rate, func(i int, due time.Time) {
		codes[i], errs[i] = fn(ids[i])
		res.latencies[i] = time.Since(due)
	})
	for i, code := range codes {
		if errs[i] != nil {
			return res, fmt.Errorf("%s: %w", ids[i], errs[i])
		}
		if code == want {
			res.n++
		}
	}
	if res.n != len(ids) {
		return res, fmt.Errorf("open loop: %d of %d calls answered %d", res.n, len(ids), want)
	}
	// The rate column shows the offered rate, not what was achieved.
	res.elapsed = time.Duration(float64(len(ids)) / rate * float64(time.Second))
	return res, nil
}

// parallel runs fn over items with c workers and times it; only 201/200/404
// answers count as done (404 is an unregistered banner, expected when
// activating).
func parallel(ctx context.Context, items []string, c int, fn func(string) (int, error)) (result, error) {
	var next atomic.Int64
	var mu sync.Mutex
	res := result{}
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(items) || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				code, err := fn(items[i])
				d := time.Since(t0)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("%s: %w", items[i], err)
				}
				if code == http.StatusCreated || code == http.StatusOK || code == http.StatusNotFound {
					res.n++
				}
				res.latencies = append(res.latencies, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res, firstErr
}

func call(ctx context.Context, hc *http.Client, method, url string, body any) (int, error) {
	var rd *bytes.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequestWithContext(ctx, method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+localstack.DevAPIKey)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		return resp.StatusCode, fmt.Errorf("%s %s: %s", method, url, resp.Status)
	}
	return resp.StatusCode, nil
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}
