// Package api is the producer's HTTP API: submit jobs, read their status,
// list and replay dead letters. See openapi.yaml.
package api

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/contracts/jobstore"
	"github.com/airdisplay/platform/services/daprapp/apikey"
	"github.com/airdisplay/platform/services/daprapp/httpserver"
	"github.com/airdisplay/platform/services/daprapp/observability"
	"github.com/airdisplay/platform/services/producer/internal/jobs"
)

//go:embed openapi.yaml
var openAPI []byte

// Limits bound request sizes.
type Limits struct {
	MaxBodyBytes int64
	MaxBatch     int
	// BatchConcurrency bounds the jobs of one batch submitted at once.
	BatchConcurrency int
	Job              contract.Limits
}

// Handler serves the API.
type Handler struct {
	jobs   *jobs.Submitter
	limits Limits
	log    *slog.Logger
}

// New returns the API handler.
func New(s *jobs.Submitter, l Limits, log *slog.Logger) *Handler {
	return &Handler{jobs: s, limits: l, log: log}
}

// Route is one API operation; the OpenAPI test checks each against the
// document.
type Route struct {
	Method, Path string // Path in OpenAPI form
	handler      http.HandlerFunc
}

// Routes lists the operations the API serves.
func (h *Handler) Routes() []Route {
	return []Route{
		{"POST", "/v1/jobs", h.create},
		{"POST", "/v1/jobs:batch", h.createBatch},
		{"GET", "/v1/jobs", h.list},
		{"GET", "/v1/jobs/{id}", h.get},
		{"POST", "/v1/jobs/{id}:retry", h.action},
	}
}

// Register adds the API routes to mux, each instrumented under its pattern;
// writes go through the per-client rate limit and need an API key, reads
// need one when auth protects reads (AUTH_READS).
func (h *Handler) Register(mux *http.ServeMux, m *observability.Metrics, writes *httpserver.RateLimiter, auth *apikey.Guard) {
	for _, rt := range h.Routes() {
		// ServeMux wildcards span whole segments, so "{id}:retry" is
		// matched as one segment and split by the handler.
		pattern := rt.Method + " " + strings.Replace(rt.Path, "{id}:retry", "{action}", 1)
		var handler http.Handler = rt.handler
		if rt.Method != http.MethodGet {
			handler = writes.Wrap(auth.Write(handler))
		} else {
			handler = auth.Read(handler)
		}
		mux.Handle(pattern, m.Instrument(rt.Method+" "+rt.Path, handler))
	}
	mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write(openAPI)
	})
}

// OpenAPI returns the embedded OpenAPI document.
func OpenAPI() []byte { return openAPI }

type errorBody struct {
	Error  string                `json:"error"`
	Fields []contract.FieldError `json:"fields,omitempty"`
}

type jobRef struct {
	ID       string          `json:"id"`
	Status   contract.Status `json:"status"`
	Location string          `json:"location"`
	Replayed bool            `json:"replayed,omitempty"`
}

func location(id string) string { return "/v1/jobs/" + id }

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	var req contract.Request
	if !h.decode(w, r, &req) {
		return
	}
	if errs := req.Validate(h.limits.Job); len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid job", Fields: errs})
		return
	}
	res, err := h.jobs.Submit(r.Context(), req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", location(res.Record.ID))
	code := http.StatusAccepted
	if res.Replayed {
		code = http.StatusOK
	}
	writeJSON(w, code, jobRef{ID: res.Record.ID, Status: res.Record.Status, Location: location(res.Record.ID), Replayed: res.Replayed})
}

type batchRequest struct {
	Jobs []contract.Request `json:"jobs"`
}

func (h *Handler) createBatch(w http.ResponseWriter, r *http.Request) {
	var req batchRequest
	if !h.decode(w, r, &req) {
		return
	}
	switch {
	case len(req.Jobs) == 0:
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid batch", Fields: []contract.FieldError{{Field: "jobs", Reason: "must hold at least one job"}}})
		return
	case len(req.Jobs) > h.limits.MaxBatch:
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid batch", Fields: []contract.FieldError{{Field: "jobs", Reason: fmt.Sprintf("holds %d jobs; the limit is %d", len(req.Jobs), h.limits.MaxBatch)}}})
		return
	}
	// Validate everything before enqueuing anything: a bad batch is
	// rejected whole.
	var errs []contract.FieldError
	for i, j := range req.Jobs {
		for _, fe := range j.Validate(h.limits.Job) {
			errs = append(errs, contract.FieldError{Field: fmt.Sprintf("jobs[%d].%s", i, fe.Field), Reason: fe.Reason})
		}
	}
	if len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid batch", Fields: errs})
		return
	}
	results, errs2 := h.jobs.SubmitBatch(r.Context(), req.Jobs, h.limits.BatchConcurrency)
	out := make([]jobRef, len(req.Jobs))
	for i, res := range results {
		if errs2[i] == nil {
			out[i] = jobRef{ID: res.Record.ID, Status: res.Record.Status, Location: location(res.Record.ID), Replayed: res.Replayed}
		}
	}
	var enqueued []jobRef
	var failed []contract.FieldError
	for i, err := range errs2 {
		if err != nil {
			failed = append(failed, contract.FieldError{Field: fmt.Sprintf("jobs[%d]", i), Reason: "could not be enqueued; resubmit it"})
			h.log.ErrorContext(r.Context(), "batch job not enqueued", "index", i, "error", err)
		} else {
			enqueued = append(enqueued, out[i])
		}
	}
	if len(failed) > 0 {
		// Say which were enqueued and which not: resubmitting the batch
		// with idempotency keys is safe.
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, struct {
			errorBody
			Enqueued []jobRef `json:"enqueued"`
		}{errorBody{Error: fmt.Sprintf("%d of %d jobs could not be enqueued", len(failed), len(req.Jobs)), Fields: failed}, enqueued})
		return
	}
	writeJSON(w, http.StatusAccepted, struct {
		Jobs []jobRef `json:"jobs"`
	}{out})
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	rec, err := h.jobs.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	if st := r.URL.Query().Get("status"); st != string(contract.StatusDeadLettered) {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid query", Fields: []contract.FieldError{{Field: "status", Reason: "must be dead-lettered: only dead letters are listed"}}})
		return
	}
	recs, err := h.jobs.DeadLetters(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Jobs []contract.Record `json:"jobs"`
	}{recs})
}

// action serves POST /v1/jobs/{id}:retry.
func (h *Handler) action(w http.ResponseWriter, r *http.Request) {
	id, verb, ok := strings.Cut(r.PathValue("action"), ":")
	if !ok || verb != "retry" {
		writeJSON(w, http.StatusNotFound, errorBody{Error: "unknown action; want POST /v1/jobs/{id}:retry"})
		return
	}
	rec, err := h.jobs.Retry(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", location(rec.ID))
	writeJSON(w, http.StatusAccepted, jobRef{ID: rec.ID, Status: rec.Status, Location: location(rec.ID)})
}

// decode reads a size-limited JSON body strictly, answering 400 itself.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.limits.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		reason := "could not be read: " + err.Error()
		if errors.As(err, &tooBig) {
			reason = fmt.Sprintf("exceeds the limit of %d bytes", h.limits.MaxBodyBytes)
		}
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid request", Fields: []contract.FieldError{{Field: "body", Reason: reason}}})
		return false
	}
	if fe := contract.DecodeStrict(body, v, ""); fe != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "invalid request", Fields: []contract.FieldError{*fe}})
		return false
	}
	return true
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, jobs.ErrNotFound):
		writeJSON(w, http.StatusNotFound, errorBody{Error: err.Error()})
	case errors.Is(err, jobs.ErrNotRetryable), errors.Is(err, jobstore.ErrConflict):
		writeJSON(w, http.StatusConflict, errorBody{Error: err.Error()})
	default:
		h.log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "error", err, "trace_id", observability.TraceID(r.Context()))
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: "the job store or queue is unavailable; retry later"})
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
