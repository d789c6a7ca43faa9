// Package httpserver runs a service's HTTP server with timeouts, health and
// readiness probes, and a graceful stop.
package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Request size limits every server built here applies. Bodies are limited
// per route by the services (MAX_BODY_BYTES).
const (
	// MaxURIBytes bounds the request target (path and query, as sent). A
	// longer one is answered 414 URI Too Long with a JSON error body.
	MaxURIBytes = 8 << 10
	// MaxHeaderBytes bounds the request line and headers; net/http answers
	// 431 Request Header Fields Too Large past it (it allows 4 KiB of slack).
	MaxHeaderBytes = 64 << 10
)

// Server is an http.Server with the limits every service applies.
type Server struct {
	srv   *http.Server
	log   *slog.Logger
	grace time.Duration
}

// New makes a server on addr. grace bounds how long Run waits for in-flight
// requests once its context ends.
func New(addr string, h http.Handler, log *slog.Logger, grace time.Duration) *Server {
	return &Server{
		srv: &http.Server{
			Addr:              addr,
			Handler:           LimitURI(MaxURIBytes, h),
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      60 * time.Second,
			IdleTimeout:       120 * time.Second,
			MaxHeaderBytes:    MaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		log:   log,
		grace: grace,
	}
}

// LimitURI answers 414 URI Too Long, with the services' JSON error shape
// ({"error": "..."}), to requests whose target is longer than max bytes.
func LimitURI(max int, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.RequestURI) > max {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusRequestURITooLong)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": fmt.Sprintf("request URI longer than %d bytes", max)})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Run serves until ctx ends, then stops accepting connections and waits up
// to the grace period for in-flight requests.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.srv.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.srv.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is Run on an existing listener.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(ln) }()
	s.log.Info("http server listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("http server stopping", "grace", s.grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.grace)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful stop: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Healthz answers 200 while the process is alive.
func Healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("ok\n"))
}

// Readyz answers 200 when every check passes and 503 naming the first
// failure otherwise.
func Readyz(checks map[string]func(context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		for name, check := range checks {
			if err := check(ctx); err != nil {
				http.Error(w, fmt.Sprintf("not ready: %s: %v", name, err), http.StatusServiceUnavailable)
				return
			}
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("ready\n"))
	}
}

// SidecarReady checks that the Dapr sidecar on daprHTTPPort reports healthy.
func SidecarReady(daprHTTPPort int) func(context.Context) error {
	url := fmt.Sprintf("http://127.0.0.1:%d/v1.0/healthz", daprHTTPPort)
	client := &http.Client{Timeout: 2 * time.Second}
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("dapr sidecar unreachable: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("dapr sidecar answered %s", resp.Status)
		}
		return nil
	}
}

// RequireAppToken rejects requests lacking the APP_API_TOKEN daprd sends in
// the dapr-api-token header, so only the sidecar can call Dapr-facing routes.
// An empty token disables the check.
func RequireAppToken(token string, h http.Handler) http.Handler {
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("dapr-api-token") != token {
			http.Error(w, "missing or wrong dapr-api-token", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
