package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/airdisplay/platform/services/contracts/jobstore"
	"github.com/airdisplay/platform/services/daprapp/apitest"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
	"github.com/airdisplay/platform/services/daprapp/observability"
	"github.com/airdisplay/platform/services/producer/internal/jobs"
)

// apiOutcomes are the expected answers to known requests (route index,
// id, query, body): a status and, for a 400, the first field named.
var apiOutcomes = map[apitest.Request]apitest.Outcome{
	apiKey(0, "", "", `{"type":"work.simulate","payload":{"sleepMs":1}}`):                                   {Code: http.StatusAccepted},
	apiKey(0, "", "", `{"type":"banner.message","payload":{"bannerId":"g","text":"\u001b[2J"}}`):            {Code: http.StatusBadRequest, Field: "payload.text"},
	apiKey(0, "", "", `{"type":"banner.message","payload":{"bannerId":"g","text":"a\u202eb"}}`):             {Code: http.StatusBadRequest, Field: "payload.text"},
	apiKey(0, "", "", `{"type":"banner.message","payload":{"bannerId":"g","text":"ok","author":"\u2069"}}`): {Code: http.StatusBadRequest, Field: "payload.author"},
	apiKey(0, "", "", "{\"type\":\"banner.message\",\"payload\":{\"bannerId\":\"g\",\"text\":\"\xc3\"}}"):   {Code: http.StatusBadRequest, Field: "payload.text"},
	apiKey(0, "", "", `{"type":"banner.message","payload":{"bannerId":"g","text":"\udfff"}}`):               {Code: http.StatusBadRequest, Field: "payload.text"},
	apiKey(1, "", "", `{"jobs":[{"type":"banner.message","payload":{"bannerId":"g","text":"\u0000"}}]}`):    {Code: http.StatusBadRequest, Field: "jobs[0].payload.text"},
	apiKey(1, "", "", `{"jobs":[]}`):                                          {Code: http.StatusBadRequest, Field: "jobs"},
	apiKey(2, "", "status=running", ""):                                       {Code: http.StatusBadRequest, Field: "status"},
	apiKey(0, "", "", `{"type":"work.simulate","payload":{"sleepMs":1e309}}`): {Code: http.StatusBadRequest, Field: "payload.sleepMs"},
}

func apiKey(route uint8, id, query, body string) apitest.Request {
	return apitest.Request{Route: route, ID: id, Query: query, Body: body}
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
	sc := daprtest.New()
	submitter := jobs.NewSubmitter(sc, jobstore.NewStore(sc, "jobstore"), "jobs", "jobs", time.Hour, observability.NewMetrics().Registry)
	apitest.Fuzz(f, server(f, submitter, false), apiRoutes(New(nil, Limits{}, nil).Routes()), "producer", "ci-key", apiOutcomes)
}
