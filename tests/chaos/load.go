package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/airdisplay/platform/infra/local/stack"
	"github.com/airdisplay/platform/services/contracts/banners"
	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/tests/localstack"
)

// api is the load's HTTP client. Like a Kubernetes Service, it spreads
// requests over every replica of an app and moves on when one is down.
type api struct {
	http  *http.Client
	stack *stack.Stack
	next  atomic.Uint64
}

func newAPI(s *stack.Stack) *api {
	return &api{http: &http.Client{Timeout: 10 * time.Second}, stack: s}
}

func (a *api) url(appID string) string {
	apps := a.stack.Apps(appID)
	return apps[int(a.next.Add(1)%uint64(len(apps)))].URL()
}

// do sends one request with the local API key and returns status and body.
func (a *api) do(ctx context.Context, method, appID, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.url(appID)+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+localstack.DevAPIKey)
	resp, err := a.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// retry repeats an idempotent request until done says the answer is
// final, as a well-behaved client does through an outage.
func (a *api) retry(ctx context.Context, method, appID, path string, body any, done func(code int, data []byte) bool) (int, []byte, error) {
	backoff := 100 * time.Millisecond
	for {
		code, data, err := a.do(ctx, method, appID, path, body)
		if err == nil && done(code, data) {
			return code, data, nil
		}
		select {
		case <-ctx.Done():
			return code, data, fmt.Errorf("%s %s: gave up: %v (last %d %s)", method, path, ctx.Err(), code, data)
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// Kinds of job the load sends.
const (
	kindWork       = "work"        // succeeds
	kindFail       = "always-fail" // is dead-lettered after its attempts
	kindBannerPost = "banner-job"  // a banner.message job: drives an actor
)

// acceptedJob is a job the producer accepted (202 or a 200 replay).
type acceptedJob struct {
	ID, Kind, Banner string
	At               time.Time
}

// acceptedMessage is a banner message the API accepted (shown or queued).
type acceptedMessage struct {
	ID, Banner string
}

// ledger is what the load got accepted, and what it could not.
type ledger struct {
	mu           sync.Mutex
	jobs         []acceptedJob
	messages     []acceptedMessage
	refused      int // banner posts refused as a business outcome (queue full)
	gaveUp       int // requests abandoned when the run ended (not accepted)
	lastJobOK    time.Time
	lastBannerOK time.Time
}

func (l *ledger) addJob(j acceptedJob) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.jobs = append(l.jobs, j)
	l.lastJobOK = time.Now()
}

func (l *ledger) addMessage(m acceptedMessage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.messages = append(l.messages, m)
	l.lastBannerOK = time.Now()
}

func (l *ledger) count(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f()
}

// lastOK returns when a job and a banner post were last accepted.
func (l *ledger) lastOK() (time.Time, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastJobOK, l.lastBannerOK
}

// submitJob sends one job with an idempotency key, retrying until the
// producer accepts it; a retry after an unclear failure returns the job
// the first attempt created rather than a second one.
func (r *runner) submitJob(ctx context.Context, kind string) {
	req := contract.Request{IdempotencyKey: uuid.NewString()}
	banner := ""
	switch kind {
	case kindWork:
		req.Type, req.Payload = contract.TypeWorkSimulate, json.RawMessage(`{"sleepMs":20}`)
	case kindFail:
		req.Type, req.Payload = contract.TypeWorkSimulate, json.RawMessage(`{"alwaysFail":true}`)
	case kindBannerPost:
		banner = r.bannerIDs[rand.IntN(len(r.bannerIDs))]
		p, _ := json.Marshal(contract.BannerMessagePayload{BannerID: banner, Text: "job " + req.IdempotencyKey[:8], Queue: true})
		req.Type, req.Payload = contract.TypeBannerMessage, p
	}
	code, data, err := r.api.retry(ctx, http.MethodPost, "producer", "/v1/jobs", req, func(code int, _ []byte) bool {
		return code == http.StatusAccepted || code == http.StatusOK || code == http.StatusBadRequest
	})
	if err != nil {
		r.ledger.count(func() { r.ledger.gaveUp++ })
		return
	}
	var ref struct {
		ID string `json:"id"`
	}
	if code == http.StatusBadRequest || json.Unmarshal(data, &ref) != nil || ref.ID == "" {
		panic(fmt.Sprintf("the load sent a job the producer refused: %d %s", code, data))
	}
	r.ledger.addJob(acceptedJob{ID: ref.ID, Kind: kind, Banner: banner, At: time.Now()})
}

// postMessage posts one message with its own id, queued if the banner is
// busy, retrying until the banner answers: the id makes a retry of an
// accepted post a recognised duplicate, never a second message.
func (r *runner) postMessage(ctx context.Context) {
	banner := r.bannerIDs[rand.IntN(len(r.bannerIDs))]
	post := banners.Post{ID: uuid.NewString(), Text: "direct post", Queue: true}
	code, data, err := r.api.retry(ctx, http.MethodPost, "banner-actor", "/v1/banners/"+banner+"/messages", post, func(code int, _ []byte) bool {
		return code < 500 && code != http.StatusTooManyRequests
	})
	if err != nil {
		r.ledger.count(func() { r.ledger.gaveUp++ })
		return
	}
	switch code {
	case http.StatusCreated, http.StatusAccepted, http.StatusOK: // shown, queued, duplicate of our earlier attempt
		r.ledger.addMessage(acceptedMessage{ID: post.ID, Banner: banner})
	case http.StatusConflict: // queue full
		r.ledger.count(func() { r.ledger.refused++ })
	default:
		panic(fmt.Sprintf("banner post answered %d %s", code, data))
	}
}

// load sends jobs and banner posts at the configured rates until ctx ends,
// each request in its own goroutine so an outage never slows the rate. The
// returned func waits for the requests still in flight.
func (r *runner) load(ctx context.Context) (wait func()) {
	var wg sync.WaitGroup
	// Requests in flight get the drain deadline to be accepted.
	reqCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.drain)
	tick := func(rate float64, send func()) {
		defer wg.Done()
		t := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				wg.Add(1)
				go func() { defer wg.Done(); send() }()
			}
		}
	}
	wg.Add(2)
	go tick(r.cfg.jobRate, func() {
		kind := kindWork
		switch n := rand.IntN(10); {
		case n == 0:
			kind = kindFail
		case n <= 2:
			kind = kindBannerPost
		}
		r.submitJob(reqCtx, kind)
	})
	go tick(r.cfg.bannerRate, func() { r.postMessage(reqCtx) })
	return func() { wg.Wait(); cancel() }
}
