package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/daprapp/apikey"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
	"github.com/airdisplay/platform/services/daprapp/httpserver"
	"github.com/airdisplay/platform/services/daprapp/observability"
	"github.com/airdisplay/platform/services/producer/internal/jobs"
)

// server wires the API as service.New does; sub may be nil when no
// request reaches it.
func server(t testing.TB, sub *jobs.Submitter, authReads bool) http.Handler {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := observability.NewMetrics()
	keys := apikey.NewKeys(daprtest.Secrets{"ci": "ci-key"}, "store", "api-keys", log, m.Registry)
	if err := keys.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	New(sub, Limits{MaxBodyBytes: 1 << 14, MaxBatch: 10, BatchConcurrency: 2, Job: contract.DefaultLimits}, log).
		Register(mux, m, httpserver.NewRateLimiter(0, 0), apikey.NewGuard(keys, authReads, log, m.Registry))
	return mux
}

// Writes answer 401 before anything else without a key and reach the
// handler (here: its validation) with one; reads need a key only with
// AUTH_READS; the OpenAPI document stays open.
func TestRoutesRequireAnAPIKey(t *testing.T) {
	for _, authReads := range []bool{false, true} {
		h := server(t, nil, authReads)
		cases := []struct {
			method, path, key string
			want              int
		}{
			{"POST", "/v1/jobs", "", 401},
			{"POST", "/v1/jobs", "wrong", 401},
			{"POST", "/v1/jobs", "ci-key", 400}, // past auth: the empty body is invalid
			{"POST", "/v1/jobs:batch", "", 401},
			{"POST", "/v1/jobs:batch", "ci-key", 400},
			{"POST", "/v1/jobs/x:retry", "", 401},
			{"POST", "/v1/jobs/x:nope", "ci-key", 404},
			{"GET", "/v1/jobs?status=queued", "ci-key", 400},
			{"GET", "/openapi.yaml", "", 200},
		}
		readWant := 400 // open: the handler rejects the query
		if authReads {
			readWant = 401
		}
		cases = append(cases, struct {
			method, path, key string
			want              int
		}{"GET", "/v1/jobs?status=queued", "", readWant})
		for _, c := range cases {
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(""))
			if c.key != "" {
				req.Header.Set("Authorization", "Bearer "+c.key)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.want {
				t.Errorf("AUTH_READS=%v %s %s key %q: %d, want %d (%s)", authReads, c.method, c.path, c.key, rec.Code, c.want, rec.Body)
			}
			if rec.Code == 401 && rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: 401 without WWW-Authenticate", c.method, c.path)
			}
		}
	}
}
