package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/go-chi/chi/v5"

	"github.com/airdisplay/platform/services/banner-actor/internal/banner"
	"github.com/airdisplay/platform/services/daprapp/apikey"
	"github.com/airdisplay/platform/services/daprapp/apitest"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
	"github.com/airdisplay/platform/services/daprapp/httpserver"
	"github.com/airdisplay/platform/services/daprapp/observability"
)

// apiOutcomes are the expected answers to known requests, keyed by
// route index, id, query and body; none depends on what ran before.
var apiOutcomes = map[apitest.Request]apitest.Outcome{
	apiKey(0, "fz-ok", "", `{"name":"Fuzz OK","location":"Terminal A"}`): {Code: http.StatusOK},
	apiKey(1, "", "limit=0&cursor=x.y", ""):                              {Code: http.StatusBadRequest, Field: "limit"},
	apiKey(1, "", "cursor=zz", ""):                                       {Code: http.StatusBadRequest, Field: "cursor"},
	apiKey(2, "Gate_1", "", ""):                                          {Code: http.StatusBadRequest, Field: "id"},
	apiKey(3, "fz-ok", "", `{"text":"\u0000","extra":1}`):                {Code: http.StatusBadRequest, Field: "extra"},
	apiKey(3, "fz-ok", "", `{"text":"\u001b[2J wiped"}`):                 {Code: http.StatusBadRequest, Field: "text"},
	apiKey(3, "fz-ok", "", `{"text":"\u202eevil"}`):                      {Code: http.StatusBadRequest, Field: "text"},
	apiKey(3, "fz-ok", "", `{"text":"ok","author":"\u2066x"}`):           {Code: http.StatusBadRequest, Field: "author"},
	apiKey(3, "fz-ok", "", "{\"text\":\"\xff\"}"):                        {Code: http.StatusBadRequest, Field: "text"},
	apiKey(3, "fz-ok", "", `{"text":"\ud800"}`):                          {Code: http.StatusBadRequest, Field: "text"},
	apiKey(0, "fz-ok", "", `{"name":"G\u0007"}`):                         {Code: http.StatusBadRequest, Field: "name"},
	apiKey(4, "no-such-banner", "", ""):                                  {Code: http.StatusNotFound},
}

func apiKey(route uint8, id, query, body string) apitest.Request {
	return apitest.Request{Route: route, ID: id, Query: query, Body: body}
}

// FuzzAPI sends arbitrary requests — any route, banner id, query and body —
// through the real handlers and Banner actors, over an in-memory sidecar
// (daprtest). None may crash or get a 5xx; every 400 says which field is
// wrong and why (at least one field); a known request gets its expected
// answer.
func FuzzAPI(f *testing.F) {
	f.Add(uint8(0), "fz-ok", "", []byte(`{"name":"Fuzz OK","location":"Terminal A"}`))
	f.Add(uint8(3), "gate-1", "", []byte(`{"text":"Boarding","queue":true,"id":"m-1"}`))
	f.Add(uint8(1), "", "limit=0&cursor=x.y", []byte(nil))
	f.Add(uint8(2), "Gate_1", "", []byte(nil))
	f.Add(uint8(4), "gate-1", "", []byte(`{}`))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux, routes := fuzzServer(f, log)
	apitest.Fuzz(f, mux, apiRoutes(routes), "banner-actor", "fuzz-key", apiOutcomes)
}

// fuzzServer wires the API as service.New does, with the actors hosted in
// process behind the in-memory sidecar.
func fuzzServer(f *testing.F, log *slog.Logger) (http.Handler, []Route) {
	sc := daprtest.New()
	m := observability.NewMetrics()
	index := banner.NewIndex(sc, "statestore", 10)
	deps := &banner.Deps{
		Dapr: sc, StateStore: "statestore", Events: banner.NewEvents(sc, "pubsub", 16, log, m.Registry), Display: time.Minute, MaxQueue: 3, HistorySize: 5,
		Index: index, Log: log, Now: time.Now, Metrics: banner.NewMetrics(m.Registry),
	}
	sc.Actor = hostActors(deps)
	keys := apikey.NewKeys(daprtest.Secrets{"fuzz": "fuzz-key"}, "store", "api-keys", log, m.Registry)
	if err := keys.Load(context.Background()); err != nil {
		f.Fatal(err)
	}
	h := New(sc, index, 1<<12, log)
	mux := chi.NewRouter()
	h.Register(mux, m, httpserver.NewRateLimiter(0, 0), apikey.NewGuard(keys, false, log, m.Registry))
	return mux, h.Routes()
}

// hostActors answers InvokeActor as daprd does: a fresh Banner activation
// per call, the method's argument and result as JSON.
func hostActors(deps *banner.Deps) func(context.Context, *dapr.InvokeActorRequest) (*dapr.InvokeActorResponse, error) {
	return func(ctx context.Context, req *dapr.InvokeActorRequest) (*dapr.InvokeActorResponse, error) {
		data, err := banner.New(deps, req.ActorID).Invoke(ctx, req.Method, req.Data)
		return &dapr.InvokeActorResponse{Data: data}, err
	}
}
