package daprhost

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
)

// fake is an actor that records what it is called with.
type fake struct {
	id    string
	calls *[]string
}

func (f *fake) Invoke(_ context.Context, method string, body []byte) ([]byte, error) {
	*f.calls = append(*f.calls, f.id+" "+method+" "+string(body))
	if method == "Fail" {
		return nil, errors.New("the state store is away")
	}
	return []byte(`{"ok":true}`), nil
}

func (f *fake) Timer(_ context.Context, callback string, _ []byte) error {
	*f.calls = append(*f.calls, f.id+" timer "+callback)
	return nil
}

func (f *fake) Reminder(_ context.Context, name string, _ []byte) error {
	*f.calls = append(*f.calls, f.id+" reminder "+name)
	return nil
}

func serve(t *testing.T, h *Host) func(method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := chi.NewRouter()
	h.Mount(r, func(h http.Handler) http.Handler { return h })
	return func(method, path, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
		return rec
	}
}

// An actor is activated on its first call and that activation serves its
// methods, timers and reminders until daprd deactivates it; the next call
// activates it anew. A method's error reaches daprd as a 500 with its text.
func TestAnActivationServesEveryCallUntilDeactivated(t *testing.T) {
	t.Parallel()
	var calls []string
	activations := 0
	h := New(Actors{})
	h.RegisterActor(ActorType{Name: "Fake", Activate: func(id string) Activation {
		activations++
		return &fake{id: id, calls: &calls}
	}})
	do := serve(t, h)
	steps := []struct {
		method, path, body string
		code               int
		answer             string
	}{
		{http.MethodPut, "/actors/Fake/a/method/Get", `{"x":1}`, http.StatusOK, `{"ok":true}`},
		{http.MethodPut, "/actors/Fake/a/method/timer/expire", `{"callback":"ExpiryDue","dueTime":"1s"}`, http.StatusOK, ""},
		{http.MethodPut, "/actors/Fake/a/method/remind/expire", `{"dueTime":"1s","period":"1s"}`, http.StatusOK, ""},
		{http.MethodPut, "/actors/Fake/a/method/Fail", ``, http.StatusInternalServerError, "the state store is away\n"},
		{http.MethodPut, "/actors/Other/a/method/Get", ``, http.StatusNotFound, "no such actor type\n"},
	}
	for _, s := range steps {
		rec := do(s.method, s.path, s.body)
		if rec.Code != s.code || rec.Body.String() != s.answer {
			t.Errorf("%s %s: %d %q, want %d %q", s.method, s.path, rec.Code, rec.Body, s.code, s.answer)
		}
	}
	want := []string{`a Get {"x":1}`, "a timer ExpiryDue", "a reminder expire", "a Fail "}
	if !slices.Equal(calls, want) || activations != 1 || h.Active("Fake") != 1 {
		t.Errorf("calls %q with %d activations (%d active), want %q with one", calls, activations, h.Active("Fake"), want)
	}
	if rec := do(http.MethodDelete, "/actors/Fake/a", ""); rec.Code != http.StatusOK || h.Active("Fake") != 0 {
		t.Errorf("deactivate: %d, %d still active", rec.Code, h.Active("Fake"))
	}
	do(http.MethodPut, "/actors/Fake/a/method/Get", "")
	if activations != 2 {
		t.Errorf("a call after deactivation made %d activations in all, want 2", activations)
	}
}

// daprd reads the actor types, the idle timeout and the scan interval from
// GET /dapr/config.
func TestConfigTellsDaprdTheTypesAndTheIdleTimeout(t *testing.T) {
	t.Parallel()
	h := New(Actors{IdleTimeout: 2 * time.Minute, ScanInterval: 10 * time.Second})
	h.RegisterActor(ActorType{Name: "Banner", Activate: func(string) Activation { return nil }})
	rec := serve(t, h)(http.MethodGet, "/dapr/config", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /dapr/config: %d", rec.Code)
	}
	var got struct {
		Entities     []string `json:"entities"`
		IdleTimeout  string   `json:"actorIdleTimeout"`
		ScanInterval string   `json:"actorScanInterval"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Entities, []string{"Banner"}) || got.IdleTimeout != "2m0s" || got.ScanInterval != "10s" {
		t.Errorf("config %s, want entities [Banner], actorIdleTimeout 2m0s, actorScanInterval 10s", rec.Body)
	}
}
