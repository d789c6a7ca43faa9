package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/airdisplay/platform/services/daprapp/apikey"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
	"github.com/airdisplay/platform/services/daprapp/httpserver"
	"github.com/airdisplay/platform/services/daprapp/observability"
)

// Every write route refuses a request without a valid key, and with
// AUTH_READS every read route too, before the handler runs (here it would
// reach a nil Dapr client). With a key, a bad banner id gets its 400.
func TestEveryRouteChecksTheAPIKey(t *testing.T) {
	for _, authReads := range []bool{false, true} {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		m := observability.NewMetrics()
		keys := apikey.NewKeys(daprtest.Secrets{"ci": "ci-key"}, "store", "api-keys", log, m.Registry)
		if err := keys.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		h := New(nil, nil, 1<<10, log)
		mux := chi.NewRouter()
		h.Register(mux, m, httpserver.NewRateLimiter(0, 0), apikey.NewGuard(keys, authReads, log, m.Registry))

		for _, rt := range h.Routes() {
			protected := rt.Method != http.MethodGet || authReads
			for _, key := range []string{"", "wrong"} {
				if !protected {
					continue // open reads would reach the handler
				}
				req := httptest.NewRequest(rt.Method, strings.ReplaceAll(rt.Path, "{id}", "b1"), strings.NewReader("{}"))
				if key != "" {
					req.Header.Set("X-API-Key", key)
				}
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" {
					t.Errorf("AUTH_READS=%v %s %s key %q: %d %q, want 401 with WWW-Authenticate", authReads, rt.Method, rt.Path, key, rec.Code, rec.Header().Get("WWW-Authenticate"))
				}
			}
			if strings.Contains(rt.Path, "{id}") {
				req := httptest.NewRequest(rt.Method, strings.ReplaceAll(rt.Path, "{id}", "Not_A_Label"), strings.NewReader("{}"))
				req.Header.Set("Authorization", "Bearer ci-key")
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				if rec.Code != http.StatusBadRequest {
					t.Errorf("AUTH_READS=%v %s %s with the key and a bad id: %d, want 400 (%s)", authReads, rt.Method, rt.Path, rec.Code, rec.Body)
				}
			}
		}
	}
}
