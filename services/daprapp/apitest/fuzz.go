package apitest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Route is an operation of an API: a method and a path in OpenAPI form,
// with {id} where a fuzzed request puts its id.
type Route struct{ Method, Path string }

// RoutesOf lists an API's own route values as the checks take them, each
// through route: an API's route type carries its handler, which a shared
// type could not.
func RoutesOf[R any](rs []R, route func(R) Route) []Route {
	out := make([]Route, len(rs))
	for i, r := range rs {
		out[i] = route(r)
	}
	return out
}

// Request is one fuzzed request: the index of its route, the id in its
// path, its query and its body.
type Request struct {
	Route           uint8
	ID, Query, Body string
}

// Outcome is what a known request must get: a status and, for a 400, the
// first field named ("" for any).
type Outcome struct {
	Code  int
	Field string
}

// Fuzz sends arbitrary requests (any route, id, query and body) to h with
// apiKey as a bearer token, seeded with every known request besides the
// seeds f already has. None may crash or get a 5xx; every 400 says what is
// wrong and names at least one field with a reason; a known request gets
// its outcome.
func Fuzz(f *testing.F, h http.Handler, routes []Route, host, apiKey string, known map[Request]Outcome) {
	for r := range known {
		f.Add(r.Route, r.ID, r.Query, []byte(r.Body))
	}
	f.Fuzz(func(t *testing.T, route uint8, id, query string, body []byte) {
		route = uint8(int(route) % len(routes))
		rt := routes[route]
		target := "http://" + host + strings.ReplaceAll(rt.Path, "{id}", url.PathEscape(id))
		if query != "" {
			target += "?" + query
		}
		req, err := http.NewRequest(rt.Method, target, bytes.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set("Authorization", "Bearer "+apiKey)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", rt.Method, target, body, rec.Code, rec.Body)
		}
		var e struct {
			Error  string `json:"error"`
			Fields []struct {
				Field  string `json:"field"`
				Reason string `json:"reason"`
			} `json:"fields"`
		}
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
		if want, ok := known[Request{route, id, query, string(body)}]; ok {
			if rec.Code != want.Code || (want.Field != "" && e.Fields[0].Field != want.Field) {
				t.Fatalf("%s %s %q: %d %s, want %d naming %q", rt.Method, target, body, rec.Code, rec.Body, want.Code, want.Field)
			}
		}
	})
}
