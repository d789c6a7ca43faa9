// Package expiry tests that a banner message comes down within 2 s of its
// expiresAt through restarts and kills, measured from the "expired" event
// on the banner-updated stream. No test reads a banner while it waits: a
// read never takes a message down, and these tests do not rely on that.
// The stack restarts whatever is killed, as a kubelet would.
package expiry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/airdisplay/platform/infra/local/stack"
	"github.com/airdisplay/platform/services/contracts/banners"
	"github.com/airdisplay/platform/tests/localstack"
)

const (
	// display is BANNER_DISPLAY_DURATION: longer than a restart, so the
	// test can tell an on-time expiry from a late one.
	display = 12 * time.Second
	// onTime is the rule: an expiry within 2 s of expiresAt.
	onTime = 2 * time.Second
)

// env is the stack the tests share; they run one after another, since
// each kills part of it.
var env struct {
	stack  *stack.Stack
	redis  redis.UniversalClient
	client *http.Client
}

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "airdisplay-expiry-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	s, err := localstack.Start(context.Background(), dir, localstack.Options{
		Replicas:  map[string]int{"consumer": 1, "banner-actor": 2},
		KeepAlive: true,
		AppEnv: map[string]map[string]string{
			"banner-actor": {"BANNER_DISPLAY_DURATION": display.String()},
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "expiry: the local stack did not start (run `make test`, which installs and builds what it needs):", err)
		return 1
	}
	env.stack = s
	env.redis = localstack.Redis(s)
	env.client = &http.Client{Timeout: 30 * time.Second}
	defer env.redis.Close()
	code := m.Run()
	if code != 0 {
		localstack.DumpLogs(os.Stderr, s, 40)
	}
	s.Stop()
	return code
}

// stream reads banner-updated events straight from the Redis stream the
// pub/sub component writes, from where it was when the test began.
type stream struct {
	last string
	seen []banners.Event
}

func newStream(ctx context.Context, t *testing.T) *stream {
	t.Helper()
	last := "0-0"
	if xs, err := env.redis.XRevRangeN(ctx, banners.Topic, "+", "-", 1).Result(); err == nil && len(xs) == 1 {
		last = xs[0].ID
	}
	return &stream{last: last}
}

// expired waits for the event that took message id down and returns it.
func (s *stream) expired(ctx context.Context, t *testing.T, id string, timeout time.Duration) banners.Event {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, ev := range s.seen {
			if ev.Change == "expired" && len(ev.Banner.History) > 0 && ev.Banner.History[len(ev.Banner.History)-1].ID == id {
				return ev
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no expired event for message %s within %s", id, timeout)
		}
		res, err := env.redis.XRead(ctx, &redis.XReadArgs{Streams: []string{banners.Topic, s.last}, Block: time.Second, Count: 100}).Result()
		if err != nil && err != redis.Nil {
			t.Logf("read %s: %v", banners.Topic, err)
			continue
		}
		for _, str := range res {
			for _, x := range str.Messages {
				s.last = x.ID
				raw, _ := x.Values["data"].(string)
				var ce struct {
					Data banners.Event `json:"data"`
				}
				if json.Unmarshal([]byte(raw), &ce) == nil {
					s.seen = append(s.seen, ce.Data)
				}
			}
		}
	}
}

// checkOnTime fails unless ev took its message down within onTime of its
// expiresAt, and the API's expiryDelaySeconds says the same.
func checkOnTime(t *testing.T, ev banners.Event) banners.Message {
	t.Helper()
	m := ev.Banner.History[len(ev.Banner.History)-1]
	late := ev.At.Sub(*m.ExpiresAt)
	t.Logf("message %s expired %s after expiresAt", m.ID, late.Round(time.Millisecond))
	if late < 0 || late > onTime {
		t.Errorf("message %s expired %s after its expiresAt %s, want within %s", m.ID, late.Round(time.Millisecond), m.ExpiresAt, onTime)
	}
	if m.ExpiryDelaySeconds == nil || m.ExpiredAt == nil || !m.ExpiredAt.Equal(ev.At) ||
		time.Duration(*m.ExpiryDelaySeconds*float64(time.Second)).Round(time.Millisecond) != late.Round(time.Millisecond) {
		t.Errorf("message %s: expiredAt %v, expiryDelaySeconds %v; want %s and %.3f", m.ID, m.ExpiredAt, m.ExpiryDelaySeconds, ev.At, late.Seconds())
	}
	return m
}

// checkNext fails unless ev shows next from the moment the message before
// it came down, for a full display time.
func checkNext(t *testing.T, ev banners.Event, next string) {
	t.Helper()
	c := ev.Banner.Current
	if c == nil || c.ID != next {
		t.Fatalf("after the expiry the banner shows %+v, want %s", c, next)
	}
	if !c.ShownAt.Equal(ev.At) || !c.ExpiresAt.Equal(c.ShownAt.Add(display)) {
		t.Errorf("%s shown %s until %s, want from the expiry (%s) for %s", next, c.ShownAt, c.ExpiresAt, ev.At, display)
	}
}

var seq struct {
	sync.Mutex
	n int
}

// send makes an API call with the development key, retrying while the
// banner-actor answers 5xx or not at all (a replica restarting).
func send(ctx context.Context, t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	data, _ := json.Marshal(body)
	deadline := time.Now().Add(time.Minute)
	for {
		for _, in := range env.stack.Apps("banner-actor") {
			req, _ := http.NewRequestWithContext(ctx, method, in.URL()+path, bytes.NewReader(data))
			req.Header.Set("Authorization", "Bearer "+localstack.DevAPIKey)
			req.Header.Set("Content-Type", "application/json")
			resp, err := env.client.Do(req)
			if err == nil {
				out, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode < 500 {
					return resp.StatusCode, out
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s: no answer below 500 within a minute", method, path)
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func newBanner(ctx context.Context, t *testing.T) string {
	t.Helper()
	seq.Lock()
	seq.n++
	id := fmt.Sprintf("exp-%d-%d", time.Now().UnixNano()%1_000_000, seq.n)
	seq.Unlock()
	if code, body := send(ctx, t, http.MethodPut, "/v1/banners/"+id, banners.Registration{Name: "Expiry " + id}); code != http.StatusOK {
		t.Fatalf("register %s: %d %s", id, code, body)
	}
	return id
}

// post posts message id and returns what the banner answered.
func post(ctx context.Context, t *testing.T, banner, id string, queue bool, want int) banners.PostResult {
	t.Helper()
	code, body := send(ctx, t, http.MethodPost, "/v1/banners/"+banner+"/messages", banners.Post{ID: id, Text: "message " + id, Queue: queue})
	var res banners.PostResult
	if code != want || json.Unmarshal(body, &res) != nil {
		t.Fatalf("post %s: %d %s, want %d", id, code, body, want)
	}
	return res
}

// Every banner-actor replica and its sidecar are stopped and started again
// while a message shows: the timers die with the sidecars, so only the
// reminder kept by the scheduler can take the message down. It comes down
// on time, the queued message shows from that moment for its full time,
// and that one's expiry (armed by the new activation) is on time too.
func TestExpiryComesFromTheReminderAcrossARestart(t *testing.T) {
	ctx := context.Background()
	events := newStream(ctx, t)
	b := newBanner(ctx, t)
	first := post(ctx, t, b, b+"-1", true, http.StatusCreated)
	post(ctx, t, b, b+"-2", true, http.StatusAccepted)

	replicas := env.stack.Apps("banner-actor")
	var wg sync.WaitGroup
	errs := make([]error, len(replicas))
	for i, r := range replicas {
		wg.Go(func() {
			r.Stop() // SIGTERM app, then its daprd
			errs[i] = r.Start(ctx)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if time.Now().After(*first.Message.ExpiresAt) {
		t.Fatalf("the restart outlasted the display time (%s); the test cannot tell an on-time expiry", display)
	}

	ev := events.expired(ctx, t, b+"-1", display+time.Minute)
	checkOnTime(t, ev)
	checkNext(t, ev, b+"-2")
	checkOnTime(t, events.expired(ctx, t, b+"-2", display+time.Minute))
}

// The scheduler is SIGKILLed while a message shows, and a second message
// is shown while it is away (a killed scheduler holds its lease for 20 s:
// no reminder fires or registers meanwhile). Both come down on time, from
// the timer beside the reminder.
func TestExpiryOnTimeThroughASchedulerKill(t *testing.T) {
	ctx := context.Background()
	events := newStream(ctx, t)
	before, during := newBanner(ctx, t), newBanner(ctx, t)
	post(ctx, t, before, before+"-1", false, http.StatusCreated)

	env.stack.Infra("scheduler").Kill()
	t.Log("scheduler killed (SIGKILL)")
	post(ctx, t, during, during+"-1", false, http.StatusCreated)

	checkOnTime(t, events.expired(ctx, t, before+"-1", display+time.Minute))
	checkOnTime(t, events.expired(ctx, t, during+"-1", display+time.Minute))
}

// SIGKILL both banner-actor apps while a message shows and a second one
// waits (their sidecars keep the timers; the stack restarts the apps), then
// SIGKILL both sidecars while the second shows (the timers die; the
// reminder remains). Every expiry is on time.
func TestExpiryOnTimeThroughAppAndSidecarKills(t *testing.T) {
	ctx := context.Background()
	events := newStream(ctx, t)
	b := newBanner(ctx, t)
	post(ctx, t, b, b+"-1", true, http.StatusCreated)
	post(ctx, t, b, b+"-2", true, http.StatusAccepted)

	for _, r := range env.stack.Apps("banner-actor") {
		r.AppProcess().Kill()
	}
	t.Log("banner-actor apps killed (SIGKILL)")
	ev := events.expired(ctx, t, b+"-1", display+time.Minute)
	checkOnTime(t, ev)
	checkNext(t, ev, b+"-2")

	for _, r := range env.stack.Apps("banner-actor") {
		r.Sidecar().Kill()
	}
	t.Log("banner-actor sidecars killed (SIGKILL)")
	checkOnTime(t, events.expired(ctx, t, b+"-2", display+time.Minute))
}
