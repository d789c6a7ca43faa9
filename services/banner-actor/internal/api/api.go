// Package api is banner-actor's HTTP API: register, list and read banners,
// post and clear messages, and the WebSocket stream. Every banner operation
// goes through the Banner actor (via the sidecar, so whichever replica
// hosts the actor serves it). See openapi.yaml.
package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/go-chi/chi/v5"

	"github.com/airdisplay/platform/services/banner-actor/internal/banner"
	"github.com/airdisplay/platform/services/contracts/banners"
	"github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/daprapp/apikey"
	"github.com/airdisplay/platform/services/daprapp/httpserver"
	"github.com/airdisplay/platform/services/daprapp/observability"
)

//go:embed openapi.yaml
var openAPI []byte

// OpenAPI returns the embedded OpenAPI document.
func OpenAPI() []byte { return openAPI }

// Handler serves the API.
type Handler struct {
	dapr    dapr.Client
	index   *banner.Index
	log     *slog.Logger
	maxBody int64
	now     func() time.Time
}

// New returns the API handler.
func New(c dapr.Client, index *banner.Index, maxBody int64, log *slog.Logger) *Handler {
	return &Handler{dapr: c, index: index, log: log, maxBody: maxBody, now: time.Now}
}

// Route is one API operation, checked against the OpenAPI document.
type Route struct {
	Method, Path string
	handler      http.HandlerFunc
}

// Routes lists the operations the API serves (chi patterns are OpenAPI's).
func (h *Handler) Routes() []Route {
	return []Route{
		{"PUT", "/v1/banners/{id}", h.register},
		{"GET", "/v1/banners", h.list},
		{"GET", "/v1/banners/{id}", h.get},
		{"POST", "/v1/banners/{id}/messages", h.post},
		{"DELETE", "/v1/banners/{id}/message", h.clear},
	}
}

// Register adds the routes to r, instrumented; writes go through the
// per-client rate limit and need an API key, reads need one when auth
// protects reads (AUTH_READS).
func (h *Handler) Register(r chi.Router, m *observability.Metrics, writes *httpserver.RateLimiter, auth *apikey.Guard) {
	for _, rt := range h.Routes() {
		var handler http.Handler = rt.handler
		if rt.Method != http.MethodGet {
			handler = writes.Wrap(auth.Write(handler))
		} else {
			handler = auth.Read(handler)
		}
		r.Method(rt.Method, rt.Path, m.Instrument(rt.Method+" "+rt.Path, handler))
	}
	r.Get("/openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(openAPI)
	})
}

type errorBody struct {
	Error       string            `json:"error"`
	Fields      []jobs.FieldError `json:"fields,omitempty"`
	AvailableAt *time.Time        `json:"availableAt,omitempty"`
}

func (h *Handler) bannerID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := chi.URLParam(r, "id")
	if !jobs.ValidBannerID(id) {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid banner id", Fields: []jobs.FieldError{{Field: "id", Reason: "must be 1 to 63 lower-case letters, digits or inner hyphens"}}})
		return "", false
	}
	return id, true
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	id, ok := h.bannerID(w, r)
	if !ok {
		return
	}
	body, ok := h.read(w, r)
	if !ok {
		return
	}
	reg, errs := banners.DecodeRegistration(body)
	if len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid banner", Fields: errs})
		return
	}
	var v banners.View
	if err := h.invoke(r.Context(), id, "Register", reg, &v); err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) { h.view(w, r, "Get") }

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	limit := 50
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid query", Fields: []jobs.FieldError{{Field: "limit", Reason: "must be an integer from 1 to 500"}}})
			return
		}
		limit = n
	}
	views, next, err := h.index.List(r.Context(), r.URL.Query().Get("cursor"), limit)
	if errors.Is(err, banner.ErrBadCursor) {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid query", Fields: []jobs.FieldError{{Field: "cursor", Reason: "is not a cursor this API returned"}}})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Banners    []banners.View `json:"banners"`
		NextCursor string         `json:"nextCursor,omitempty"`
	}{views, next})
}

func (h *Handler) post(w http.ResponseWriter, r *http.Request) {
	id, ok := h.bannerID(w, r)
	if !ok {
		return
	}
	body, ok := h.read(w, r)
	if !ok {
		return
	}
	p, errs := banners.DecodePost(body)
	if len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid message", Fields: errs})
		return
	}
	var res banners.PostResult
	if err := h.invoke(r.Context(), id, "PostMessage", p, &res); err != nil {
		h.fail(w, r, err)
		return
	}
	switch res.Outcome {
	case banners.OutcomeShown:
		writeJSON(w, http.StatusCreated, res)
	case banners.OutcomeQueued:
		writeJSON(w, http.StatusAccepted, res)
	case banners.OutcomeDuplicate:
		writeJSON(w, http.StatusOK, res)
	case banners.OutcomeNotRegistered:
		writeJSON(w, http.StatusNotFound, errorBody{Error: res.Reason})
	case banners.OutcomeConflict, banners.OutcomeQueueFull:
		secs := int(math.Ceil(res.AvailableAt.Sub(h.now()).Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		at := res.AvailableAt
		writeJSON(w, http.StatusConflict, errorBody{Error: res.Reason, AvailableAt: &at})
	default:
		h.fail(w, r, fmt.Errorf("unexpected outcome %q", res.Outcome))
	}
}

func (h *Handler) clear(w http.ResponseWriter, r *http.Request) { h.view(w, r, "Clear") }

// view calls an actor method that takes nothing and returns the banner;
// an unregistered banner (version 0) is a 404.
func (h *Handler) view(w http.ResponseWriter, r *http.Request, method string) {
	id, ok := h.bannerID(w, r)
	if !ok {
		return
	}
	var v banners.View
	if err := h.invoke(r.Context(), id, method, nil, &v); err != nil {
		h.fail(w, r, err)
		return
	}
	if v.Version == 0 {
		writeJSON(w, http.StatusNotFound, errorBody{Error: "banner " + id + " is not registered"})
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// invoke calls a method of the banner's actor through the sidecar.
func (h *Handler) invoke(ctx context.Context, id, method string, in, out any) error {
	var data []byte
	if in != nil {
		var err error
		if data, err = json.Marshal(in); err != nil {
			return err
		}
	}
	resp, err := h.dapr.InvokeActor(observability.OutgoingContext(ctx), &dapr.InvokeActorRequest{
		ActorType: banners.ActorType, ActorID: id, Method: method, Data: data,
	})
	if err != nil {
		return fmt.Errorf("banner %s %s: %w", id, method, err)
	}
	if resp == nil || len(resp.Data) == 0 {
		return fmt.Errorf("banner %s %s: empty answer", id, method)
	}
	return json.Unmarshal(resp.Data, out)
}

// read reads the body within maxBody; it answers 400 and reports false
// when it cannot.
func (h *Handler) read(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		reason := "could not be read: " + err.Error()
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			reason = fmt.Sprintf("exceeds the limit of %d bytes", h.maxBody)
		}
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid request", Fields: []jobs.FieldError{{Field: "body", Reason: reason}}})
		return nil, false
	}
	return body, true
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "error", err, "trace_id", observability.TraceID(r.Context()))
	w.Header().Set("Retry-After", "1")
	writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: "the banner could not be reached; retry later"})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
