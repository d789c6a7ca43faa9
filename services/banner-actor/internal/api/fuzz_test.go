package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/go-chi/chi/v5"

	"github.com/airdisplay/platform/services/banner-actor/internal/banner"
	"github.com/airdisplay/platform/services/daprapp/apikey"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
	"github.com/airdisplay/platform/services/daprapp/httpserver"
	"github.com/airdisplay/platform/services/daprapp/observability"
)

// apiOutcome is what a known request must get: a status and, for a 400,
// the first field named.
type apiOutcome struct {
	code  int
	field string
}

// apiOutcomes are the expected answers to known requests, keyed by
// route index, id, query and body; none depends on what ran before.
var apiOutcomes = map[string]apiOutcome{
	apiKey(0, "fz-ok", "", `{"name":"Fuzz OK","location":"Terminal A"}`): {http.StatusOK, ""},
	apiKey(1, "", "limit=0&cursor=x.y", ""):                              {http.StatusBadRequest, "limit"},
	apiKey(1, "", "cursor=zz", ""):                                       {http.StatusBadRequest, "cursor"},
	apiKey(2, "Gate_1", "", ""):                                          {http.StatusBadRequest, "id"},
	apiKey(3, "fz-ok", "", `{"text":"\u0000","extra":1}`):                {http.StatusBadRequest, "extra"},
	apiKey(3, "fz-ok", "", `{"text":"\u001b[2J wiped"}`):                 {http.StatusBadRequest, "text"},
	apiKey(3, "fz-ok", "", `{"text":"\u202eevil"}`):                      {http.StatusBadRequest, "text"},
	apiKey(3, "fz-ok", "", `{"text":"ok","author":"\u2066x"}`):           {http.StatusBadRequest, "author"},
	apiKey(3, "fz-ok", "", "{\"text\":\"\xff\"}"):                        {http.StatusBadRequest, "text"},
	apiKey(3, "fz-ok", "", `{"text":"\ud800"}`):                          {http.StatusBadRequest, "text"},
	apiKey(0, "fz-ok", "", `{"name":"G\u0007"}`):                         {http.StatusBadRequest, "name"},
	apiKey(4, "no-such-banner", "", ""):                                  {http.StatusNotFound, ""},
}

func apiKey(route uint8, id, query, body string) string {
	return fmt.Sprintf("%d|%s|%s|%s", route, id, query, body)
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
	for k := range apiOutcomes {
		parts := strings.SplitN(k, "|", 4)
		var route uint8
		fmt.Sscan(parts[0], &route)
		f.Add(route, parts[1], parts[2], []byte(parts[3]))
	}

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mux, routes := fuzzServer(f, log)
	f.Fuzz(func(t *testing.T, route uint8, id, query string, body []byte) {
		rt := routes[int(route)%len(routes)]
		target := "http://banner-actor" + strings.ReplaceAll(rt.Path, "{id}", url.PathEscape(id))
		if query != "" {
			target += "?" + query
		}
		req, err := http.NewRequest(rt.Method, target, bytes.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set("Authorization", "Bearer fuzz-key")
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
