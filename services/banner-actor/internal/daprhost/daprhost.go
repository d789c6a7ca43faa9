// Package daprhost serves the routes daprd calls on banner-actor: actor
// configuration, method, reminder, timer and deactivation calls, and the
// pub/sub subscription. It replaces the Go SDK's HTTP service so that these
// routes share the service's own server, with its timeouts, graceful stop
// and APP_API_TOKEN check; and the SDK's actor runtime, which builds a
// reflection map of the actor's methods and a state manager for every
// activation (2.3 KB of heap each, measured with a million activations in
// docs/benchmarks.md): here an activation is what the actor type makes.
package daprhost

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
)

// Subscription is one programmatic pub/sub subscription.
type Subscription struct {
	PubsubName string `json:"pubsubname"`
	Topic      string `json:"topic"`
	Route      string `json:"route"`
}

// EventHandler receives an event's data; an error drops the event (it is
// malformed: redelivering cannot fix it).
type EventHandler func(data []byte) error

// Activation is one active actor. daprd calls an actor one turn at a time
// (methods, timers and reminders alike), so an activation needs no lock of
// its own for them.
type Activation interface {
	// Invoke runs a method with the call's body and returns the answer.
	Invoke(ctx context.Context, method string, body []byte) ([]byte, error)
	// Timer runs a timer's callback.
	Timer(ctx context.Context, callback string, data []byte) error
	// Reminder runs when a reminder fires.
	Reminder(ctx context.Context, name string, data []byte) error
}

// ActorType is an actor type the host serves.
type ActorType struct {
	Name string
	// Activate makes the activation of actor id, on its first call since
	// it was last deactivated.
	Activate func(id string) Activation
}

// Host registers actor types and subscriptions and mounts their routes.
type Host struct {
	actors Actors
	types  map[string]*table
	subs   []Subscription
	events map[string]EventHandler
}

// table holds the activations of one actor type.
type table struct {
	typ  ActorType
	mu   sync.Mutex
	live map[string]Activation
}

func (t *table) get(id string) Activation {
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok := t.live[id]
	if !ok {
		a = t.typ.Activate(id)
		t.live[id] = a
	}
	return a
}

// Actors is what daprd is told about this host's actors.
type Actors struct {
	// IdleTimeout: an actor not called for this long is deactivated (its
	// activation freed in daprd and here); ScanInterval: how often daprd
	// looks for such actors. Zero leaves daprd's defaults (60 min, 30 s).
	IdleTimeout, ScanInterval time.Duration
}

// New returns a host.
func New(a Actors) *Host {
	return &Host{actors: a, types: map[string]*table{}, events: map[string]EventHandler{}}
}

// RegisterActor registers an actor type.
func (h *Host) RegisterActor(t ActorType) {
	h.types[t.Name] = &table{typ: t, live: map[string]Activation{}}
}

// Active is the number of activations of an actor type.
func (h *Host) Active(actorType string) int {
	t, ok := h.types[actorType]
	if !ok {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.live)
}

// Subscribe routes a topic's events to fn.
func (h *Host) Subscribe(s Subscription, fn EventHandler) {
	h.subs = append(h.subs, s)
	h.events[s.Route] = fn
}

// Mount adds the routes daprd calls to r; wrap protects them (the app token
// check).
func (h *Host) Mount(r chi.Router, wrap func(http.Handler) http.Handler) {
	r.Method(http.MethodGet, "/dapr/config", wrap(http.HandlerFunc(h.config)))
	r.Method(http.MethodGet, "/dapr/subscribe", wrap(http.HandlerFunc(h.subscribe)))
	r.Method(http.MethodPut, "/actors/{actorType}/{actorId}/method/remind/{name}", wrap(http.HandlerFunc(h.reminder)))
	r.Method(http.MethodPut, "/actors/{actorType}/{actorId}/method/timer/{name}", wrap(http.HandlerFunc(h.timer)))
	r.Method(http.MethodPut, "/actors/{actorType}/{actorId}/method/{method}", wrap(http.HandlerFunc(h.invoke)))
	r.Method(http.MethodDelete, "/actors/{actorType}/{actorId}", wrap(http.HandlerFunc(h.deactivate)))
	for route := range h.events {
		r.Method(http.MethodPost, route, wrap(http.HandlerFunc(h.event)))
	}
}

// config answers daprd's GET /dapr/config: the actor types, and when to
// deactivate an idle actor.
func (h *Host) config(w http.ResponseWriter, _ *http.Request) {
	c := struct {
		Entities     []string `json:"entities"`
		IdleTimeout  string   `json:"actorIdleTimeout,omitempty"`
		ScanInterval string   `json:"actorScanInterval,omitempty"`
	}{Entities: []string{}}
	for name := range h.types {
		c.Entities = append(c.Entities, name)
	}
	slices.Sort(c.Entities)
	if h.actors.IdleTimeout > 0 {
		c.IdleTimeout = h.actors.IdleTimeout.String()
	}
	if h.actors.ScanInterval > 0 {
		c.ScanInterval = h.actors.ScanInterval.String()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(c)
}

func (h *Host) subscribe(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(h.subs)
}

// actor finds the activation a call is for (activating it), or answers
// 404 for an actor type this host does not serve.
func (h *Host) actor(w http.ResponseWriter, r *http.Request) (Activation, bool) {
	t, ok := h.table(w, r)
	if !ok {
		return nil, false
	}
	return t.get(chi.URLParam(r, "actorId")), true
}

// table finds the activations of the call's actor type, or answers 404.
func (h *Host) table(w http.ResponseWriter, r *http.Request) (*table, bool) {
	t, ok := h.types[chi.URLParam(r, "actorType")]
	if !ok {
		http.Error(w, "no such actor type", http.StatusNotFound)
	}
	return t, ok
}

// answer writes a call's outcome: 200 with the answer, or 500 with the
// error (daprd hands it to the caller).
func answer(w http.ResponseWriter, out []byte, err error) {
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

func (h *Host) invoke(w http.ResponseWriter, r *http.Request) {
	a, ok := h.actor(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(r.Body)
	var out []byte
	if err == nil {
		out, err = a.Invoke(r.Context(), chi.URLParam(r, "method"), body)
	}
	answer(w, out, err)
}

// trigger is what daprd sends when a timer or a reminder fires.
type trigger struct {
	Callback string          `json:"callback"` // timers only
	Data     json.RawMessage `json:"data"`
}

func readTrigger(r *http.Request) (trigger, error) {
	var t trigger
	body, err := io.ReadAll(r.Body)
	if err == nil && len(body) > 0 {
		err = json.Unmarshal(body, &t)
	}
	return t, err
}

func (h *Host) reminder(w http.ResponseWriter, r *http.Request) {
	a, ok := h.actor(w, r)
	if !ok {
		return
	}
	t, err := readTrigger(r)
	if err == nil {
		err = a.Reminder(r.Context(), chi.URLParam(r, "name"), t.Data)
	}
	answer(w, nil, err)
}

func (h *Host) timer(w http.ResponseWriter, r *http.Request) {
	a, ok := h.actor(w, r)
	if !ok {
		return
	}
	t, err := readTrigger(r)
	if err == nil {
		err = a.Timer(r.Context(), t.Callback, t.Data)
	}
	answer(w, nil, err)
}

// deactivate lets an activation go; one that is not active is fine.
func (h *Host) deactivate(w http.ResponseWriter, r *http.Request) {
	t, ok := h.table(w, r)
	if !ok {
		return
	}
	t.mu.Lock()
	delete(t.live, chi.URLParam(r, "actorId"))
	t.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// event unwraps the CloudEvent daprd delivers and hands its data over.
// Answers follow Dapr's contract: SUCCESS, or DROP for what no retry fixes.
func (h *Host) event(w http.ResponseWriter, r *http.Request) {
	fn := h.events[r.URL.Path]
	var ce struct {
		Data       json.RawMessage `json:"data"`
		DataBase64 string          `json:"data_base64"`
	}
	raw, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(raw, &ce)
	}
	data := []byte(ce.Data)
	if err == nil && ce.DataBase64 != "" {
		data, err = base64.StdEncoding.DecodeString(ce.DataBase64)
	}
	if err == nil && len(data) > 0 && data[0] == '"' {
		// JSON data published with another content type arrives as a string.
		var s string
		if json.Unmarshal(data, &s) == nil {
			data = []byte(s)
		}
	}
	if err == nil {
		err = fn(data)
	}
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		_, _ = w.Write([]byte(`{"status":"DROP"}`))
		return
	}
	_, _ = w.Write([]byte(`{"status":"SUCCESS"}`))
}
