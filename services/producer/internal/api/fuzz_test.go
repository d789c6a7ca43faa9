package api

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// apiOutcomes are the expected answers to known requests (route index,
// id, query, body): a status and, for a 400, the first field named.
var apiOutcomes = map[string]struct {
	code  int
	field string
}{
	apiKey(0, "", "", `{"type":"work.simulate","payload":{"sleepMs":1}}`):                                   {http.StatusAccepted, ""},
	apiKey(0, "", "", `{"type":"banner.message","payload":{"bannerId":"g","text":"\u001b[2J"}}`):            {http.StatusBadRequest, "payload.text"},
	apiKey(0, "", "", `{"type":"banner.message","payload":{"bannerId":"g","text":"a\u202eb"}}`):             {http.StatusBadRequest, "payload.text"},
	apiKey(0, "", "", `{"type":"banner.message","payload":{"bannerId":"g","text":"ok","author":"\u2069"}}`): {http.StatusBadRequest, "payload.author"},
	apiKey(0, "", "", "{\"type\":\"banner.message\",\"payload\":{\"bannerId\":\"g\",\"text\":\"\xc3\"}}"):   {http.StatusBadRequest, "payload.text"},
	apiKey(0, "", "", `{"type":"banner.message","payload":{"bannerId":"g","text":"\udfff"}}`):               {http.StatusBadRequest, "payload.text"},
	apiKey(1, "", "", `{"jobs":[{"type":"banner.message","payload":{"bannerId":"g","text":"\u0000"}}]}`):    {http.StatusBadRequest, "jobs[0].payload.text"},
	apiKey(1, "", "", `{"jobs":[]}`):                                          {http.StatusBadRequest, "jobs"},
	apiKey(2, "", "status=running", ""):                                       {http.StatusBadRequest, "status"},
	apiKey(0, "", "", `{"type":"work.simulate","payload":{"sleepMs":1e309}}`): {http.StatusBadRequest, "payload.sleepMs"},
}

func apiKey(route uint8, id, query, body string) string {
	return fmt.Sprintf("%d|%s|%s|%s", route, id, query, body)
}

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
	for k := range apiOutcomes {
		parts := strings.SplitN(k, "|", 4)
		var route uint8
		fmt.Sscan(parts[0], &route)
		f.Add(route, parts[1], parts[2], []byte(parts[3]))
	}

	sc := daprtest.New()
	submitter := jobs.NewSubmitter(sc, jobstore.NewStore(sc, "jobstore"), "jobs", "jobs", time.Hour, observability.NewMetrics().Registry)
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
		var e errorBody
		if rec.Code == http.StatusBadRequest {
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" || len(e.Fields) == 0 {
				t.Fatalf("400 without an error message and fields: %s", rec.Body)
			}
			for _, fe := range e.Fields {
				if fe.Field == "" || fe.Reason == "" {
					t.Fatalf("400 field error without field or reason: %s", rec.Body)
				}
			}
		}
		if want, known := apiOutcomes[apiKey(uint8(int(route)%len(routes)), id, query, string(body))]; known {
			if rec.Code != want.code || (want.field != "" && e.Fields[0].Field != want.field) {
				t.Fatalf("%s %s %q: %d %s, want %d naming %q", rt.Method, target, body, rec.Code, rec.Body, want.code, want.field)
			}
		}
	})
}
