package httpserver

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRateLimiterAnswers429WithRetryAfterPerClient(t *testing.T) {
	l := NewRateLimiter(2, 3)
	now := time.Unix(0, 0)
	l.now = func() time.Time { return now }
	h := l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	call := func(addr string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/v1/jobs", nil)
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for i := range 3 { // the burst
		if c := call("10.0.0.1:5000").Code; c != http.StatusOK {
			t.Fatalf("request %d: %d", i, c)
		}
	}
	rec := call("10.0.0.1:5001") // same client, other port
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("over the burst: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if c := call("10.0.0.2:5000").Code; c != http.StatusOK {
		t.Fatalf("another client was limited: %d", c)
	}
	now = now.Add(500 * time.Millisecond) // one token back at 2/s
	if c := call("10.0.0.1:5000").Code; c != http.StatusOK {
		t.Fatalf("after refill: %d", c)
	}
	if c := call("10.0.0.1:5000").Code; c != http.StatusTooManyRequests {
		t.Fatalf("second request after one refill: %d", c)
	}
}

func TestNoLimitWhenDisabled(t *testing.T) {
	if NewRateLimiter(0, 10) != nil {
		t.Fatal("a zero rate must disable the limiter")
	}
	var l *RateLimiter
	h := l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	for range 1000 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
		if rec.Code != http.StatusOK {
			t.Fatal(rec.Code)
		}
	}
}
