package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/airdisplay/platform/services/contracts/jobstore"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
	"github.com/airdisplay/platform/services/daprapp/observability"
	"github.com/airdisplay/platform/services/producer/internal/jobs"
)

// FuzzAPI sends arbitrary requests — any route, job id, query and body —
// through the real handlers and job submitter, over an in-memory sidecar
// (daprtest). None may crash or get a 5xx, and every 400 says which field
// is wrong and why.
func FuzzAPI(f *testing.F) {
	f.Add(uint8(0), "", "", []byte(`{"type":"work.simulate","payload":{"sleepMs":1},"idempotencyKey":"k-1"}`))
	f.Add(uint8(1), "", "", []byte(`{"jobs":[{"type":"banner.message","payload":{"bannerId":"gate-1","text":"hi"}},{"type":"nope"}]}`))
	f.Add(uint8(2), "", "status=dead-lettered&limit=x", []byte(nil))
	f.Add(uint8(3), "not a uuid", "", []byte(nil))
	f.Add(uint8(4), "0e5a3c1e-8a43-4b7e-9d38-0c2f1b1d9a10", "", []byte(`{}`))
	f.Add(uint8(0), "", "", []byte(`{"type":"work.simulate","payload":{"sleepMs":1e309}}`))

	sc := daprtest.New()
	submitter := jobs.NewSubmitter(sc, jobstore.NewStore(sc, "jobstore"), "jobs", time.Hour, observability.NewMetrics().Registry)
	mux := server(f, submitter, false)
	routes := New(nil, Limits{}, nil).Routes()
	f.Fuzz(func(t *testing.T, route uint8, id, query string, body []byte) {
		rt := routes[int(route)%len(routes)]
		target := "http://producer" + strings.ReplaceAll(rt.Path, "{id}", url.PathEscape(id))
		if query != "" {
			target += "?" + query
		}
		req, err := http.NewRequest(rt.Method, target, bytes.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set("Authorization", "Bearer ci-key")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", rt.Method, target, body, rec.Code, rec.Body)
		}
		if rec.Code == http.StatusBadRequest {
			var e errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("400 without an error message: %s", rec.Body)
			}
			for _, fe := range e.Fields {
				if fe.Field == "" || fe.Reason == "" {
					t.Fatalf("400 field error without field or reason: %s", rec.Body)
				}
			}
		}
	})
}
