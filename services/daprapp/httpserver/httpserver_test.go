package httpserver

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestReadyzReportsAnUnreachableSidecar(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now
	rec := httptest.NewRecorder()
	Readyz(map[string]func(context.Context) error{"dapr sidecar": SidecarReady(port)})(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "dapr sidecar") {
		t.Fatalf("%d %q", rec.Code, rec.Body)
	}
}

func TestReadyzAnswers200WhenTheSidecarIsHealthy(t *testing.T) {
	sidecar := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1.0/healthz" {
			t.Errorf("probed %s", r.URL.Path)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer sidecar.Close()
	port := sidecar.Listener.Addr().(*net.TCPAddr).Port
	rec := httptest.NewRecorder()
	Readyz(map[string]func(context.Context) error{"dapr sidecar": SidecarReady(port)})(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %q", rec.Code, rec.Body)
	}
}

func TestRequireAppTokenRejectsOtherCallers(t *testing.T) {
	h := RequireAppToken("s3cret", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	for token, want := range map[string]int{"": 401, "wrong": 401, "s3cret": 200} {
		req := httptest.NewRequest("POST", "/jobs", nil)
		if token != "" {
			req.Header.Set("dapr-api-token", token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("token %q: %d, want %d", token, rec.Code, want)
		}
	}
}

// Run lets an in-flight request finish after its context ends.
func TestRunDrainsInFlightRequests(t *testing.T) {
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		w.Write([]byte("finished"))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := New(ln.Addr().String(), h, slog.New(slog.NewTextHandler(io.Discard, nil)), 5*time.Second)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	body := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String())
		if err != nil {
			body <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		body <- string(b)
	}()
	<-started
	cancel()
	if got := <-body; got != "finished" {
		t.Fatalf("in-flight request got %q", got)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A server built by New answers 414 (JSON) to an over-long URI, 431 to
// over-long headers, and serves requests within both limits.
func TestServerLimitsURIAndHeaderLength(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(ln.Addr().String(), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok"))
	}), slog.New(slog.NewTextHandler(io.Discard, nil)), 5*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	base := "http://" + ln.Addr().String()
	get := func(url string, header http.Header) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
	}

	// Within the limits: served.
	ok := "/v1/jobs?q=" + strings.Repeat("a", MaxURIBytes-100)
	if code, _, body := get(base+ok, http.Header{"X-Big": {strings.Repeat("h", MaxHeaderBytes/2)}}); code != 200 || body != "ok" {
		t.Fatalf("request within limits: %d %q", code, body)
	}
	// URI one byte over: 414 with a JSON error.
	long := "/v1/jobs?q=" + strings.Repeat("a", MaxURIBytes-len("/v1/jobs?q=")+1)
	code, ctype, body := get(base+long, nil)
	if code != http.StatusRequestURITooLong || ctype != "application/json" || !strings.Contains(body, `"error":"request URI longer than 8192 bytes"`) {
		t.Fatalf("long URI: %d %s %q", code, ctype, body)
	}
	// Headers past MaxHeaderBytes (plus net/http's 4 KiB slack): 431.
	if code, _, body := get(base+"/", http.Header{"X-Big": {strings.Repeat("h", MaxHeaderBytes+8<<10)}}); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("long headers: %d %q", code, body)
	}
}

// The timeouts the README promises: headers within 5 s, the request within
// 30 s, the answer within 60 s, idle connections closed after 120 s. The
// header timeout is exercised (a client that never finishes its headers
// is cut off); the longer ones are read from the server New builds.
func TestServerTimeouts(t *testing.T) {
	t.Parallel()
	s := New("127.0.0.1:0", http.NotFoundHandler(), slog.New(slog.NewTextHandler(io.Discard, nil)), time.Second)
	for name, c := range map[string]struct{ got, want time.Duration }{
		"ReadHeaderTimeout": {s.srv.ReadHeaderTimeout, 5 * time.Second},
		"ReadTimeout":       {s.srv.ReadTimeout, 30 * time.Second},
		"WriteTimeout":      {s.srv.WriteTimeout, 60 * time.Second},
		"IdleTimeout":       {s.srv.IdleTimeout, 120 * time.Second},
	} {
		if c.got != c.want {
			t.Errorf("%s %s, want %s", name, c.got, c.want)
		}
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")); err != nil {
		t.Fatal(err)
	}
	// The server closes the connection at its header deadline; the test
	// gives it twice that before calling the connection held open.
	_ = conn.SetReadDeadline(time.Now().Add(2 * s.srv.ReadHeaderTimeout))
	buf := make([]byte, 512)
	for {
		_, err := conn.Read(buf)
		if err == nil {
			continue
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("a client that never finished its headers was not cut off")
		}
		return // closed by the server
	}
}
