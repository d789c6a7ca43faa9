// Package daprhost serves the routes daprd calls on banner-actor: actor
// configuration, method, reminder, timer and deactivation calls (handed to
// the Go SDK's actor runtime) and the pub/sub subscription. It replaces the
// SDK's HTTP service so that these routes share the service's own server,
// with its timeouts, graceful stop and APP_API_TOKEN check.
package daprhost

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/dapr/go-sdk/actor"
	"github.com/dapr/go-sdk/actor/api"
	actorErr "github.com/dapr/go-sdk/actor/error"
	"github.com/dapr/go-sdk/actor/runtime"
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

// Host registers actor types and subscriptions and mounts their routes.
type Host struct {
	runtime *runtime.ActorRunTimeContext
	actors  Actors
	subs    []Subscription
	events  map[string]EventHandler
}

// Actors is what daprd is told about this host's actors.
type Actors struct {
	// IdleTimeout: an actor not called for this long is deactivated (its
	// activation freed in daprd and here); ScanInterval: how often daprd
	// looks for such actors. Zero leaves daprd's defaults (60 min, 30 s).
	IdleTimeout, ScanInterval time.Duration
}

// New returns a host over the SDK's actor runtime.
func New(a Actors) *Host {
	return &Host{runtime: runtime.GetActorRuntimeInstanceContext(), actors: a, events: map[string]EventHandler{}}
}

// RegisterActor registers an actor type's factory.
func (h *Host) RegisterActor(f actor.FactoryContext) { h.runtime.RegisterActorFactory(f) }

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

// config answers daprd's GET /dapr/config: the SDK's configuration (the
// actor types), with the idle timeout and scan interval, which the SDK
// cannot set.
func (h *Host) config(w http.ResponseWriter, _ *http.Request) {
	data, err := h.runtime.GetJSONSerializedConfig()
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	var c api.ActorRuntimeConfig
	if err := json.Unmarshal(data, &c); err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	if h.actors.IdleTimeout > 0 {
		c.ActorIdleTimeout = h.actors.IdleTimeout.String()
	}
	if h.actors.ScanInterval > 0 {
		c.ActorScanInterval = h.actors.ScanInterval.String()
	}
	data, _ = json.Marshal(c)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}

func (h *Host) subscribe(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(h.subs)
}

func status(w http.ResponseWriter, err actorErr.ActorErr, body []byte) {
	switch err {
	case actorErr.Success:
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	case actorErr.ErrActorTypeNotFound, actorErr.ErrActorIDNotFound, actorErr.ErrActorMethodNoFound:
		w.WriteHeader(http.StatusNotFound)
	default:
		w.WriteHeader(http.StatusInternalServerError)
	}
}

func (h *Host) invoke(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	out, err := h.runtime.InvokeActorMethod(r.Context(), chi.URLParam(r, "actorType"), chi.URLParam(r, "actorId"), chi.URLParam(r, "method"), body)
	status(w, err, out)
}

func (h *Host) reminder(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	status(w, h.runtime.InvokeReminder(r.Context(), chi.URLParam(r, "actorType"), chi.URLParam(r, "actorId"), chi.URLParam(r, "name"), body), nil)
}

func (h *Host) timer(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	status(w, h.runtime.InvokeTimer(r.Context(), chi.URLParam(r, "actorType"), chi.URLParam(r, "actorId"), chi.URLParam(r, "name"), body), nil)
}

func (h *Host) deactivate(w http.ResponseWriter, r *http.Request) {
	status(w, h.runtime.Deactivate(r.Context(), chi.URLParam(r, "actorType"), chi.URLParam(r, "actorId")), nil)
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
