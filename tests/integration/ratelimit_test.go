package integration

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// A client that writes faster than the limit (default 50/s, bursts of 100)
// gets 429 with Retry-After; reads are not limited.
func TestWritesAreRateLimitedPerClient(t *testing.T) {
	var mu sync.Mutex
	codes := map[int]int{}
	retryAfter := ""
	var wg sync.WaitGroup
	start := time.Now()
	for range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Post(producerURL()+"/v1/jobs", "application/json", strings.NewReader(`{"type":`))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			if resp.StatusCode == http.StatusTooManyRequests {
				retryAfter = resp.Header.Get("Retry-After")
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	took := time.Since(start)
	t.Logf("300 writes at once from one client in %s: %v (Retry-After %q)", took.Round(time.Millisecond), codes, retryAfter)
	// Up to the burst gets through (less what earlier tests' writes took
	// from the bucket), plus what refilled at 50/s while the writes were
	// sent (a busy machine sends them more slowly); the rest is refused.
	allowed := 100 + int(50*took.Seconds()) + 1
	if n := codes[http.StatusBadRequest]; n == 0 || n > allowed || codes[http.StatusTooManyRequests] == 0 || retryAfter == "" {
		t.Fatalf("outcomes %v (Retry-After %q): want at most %d 400s (the burst of 100 and the refill in %s), then 429 with Retry-After", codes, retryAfter, allowed, took)
	}
	resp, err := client.Get(producerURL() + "/v1/jobs?status=dead-lettered")
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a read was limited: %s", resp.Status)
	}
	// Let the bucket refill so later tests start unthrottled.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Post(producerURL()+"/v1/jobs", "application/json", strings.NewReader(`{}`))
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still limited after 10s")
		}
		time.Sleep(time.Duration(100) * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
}
