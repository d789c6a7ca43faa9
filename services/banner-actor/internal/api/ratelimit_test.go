package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/airdisplay/platform/services/banner-actor/internal/banner"
	"github.com/airdisplay/platform/services/daprapp/apikey"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
	"github.com/airdisplay/platform/services/daprapp/httpserver"
	"github.com/airdisplay/platform/services/daprapp/observability"
)

// Writes are limited per client; reads are not: with a limit of one write
// a second, 200 reads in a row all succeed, while the second write is 429.
func TestReadsAreNotRateLimited(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sc := daprtest.New()
	m := observability.NewMetrics()
	index := banner.NewIndex(sc, "statestore", 10)
	sc.Actor = hostActors(&banner.Deps{
		Dapr: sc, StateStore: "statestore", Events: banner.NewEvents(sc, "pubsub", 16, log, m.Registry), Display: time.Minute, MaxQueue: 3, HistorySize: 5,
		Index: index, Log: log, Now: time.Now, Metrics: banner.NewMetrics(m.Registry),
	})
	keys := apikey.NewKeys(daprtest.Secrets{"c": "key"}, "store", "api-keys", log, m.Registry)
	if err := keys.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	mux := chi.NewRouter()
	New(sc, index, 1<<12, log).Register(mux, m, httpserver.NewRateLimiter(1, 1), apikey.NewGuard(keys, false, log, m.Registry))
	do := func(method, path, body string) int {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer key")
		req.RemoteAddr = "10.0.0.1:1234"
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := do(http.MethodPut, "/v1/banners/g1", `{"name":"G1"}`); code != http.StatusOK {
		t.Fatalf("register: %d", code)
	}
	for i := range 200 {
		path := "/v1/banners/g1"
		if i%2 == 1 {
			path = "/v1/banners?limit=5"
		}
		if code := do(http.MethodGet, path, ""); code != http.StatusOK {
			t.Fatalf("read %d (%s): %d, want 200: reads must not be limited", i, path, code)
		}
	}
	if code := do(http.MethodPut, "/v1/banners/g1", `{"name":"G1 again"}`); code != http.StatusTooManyRequests {
		t.Fatalf("second write within the second: %d, want 429", code)
	}
}
