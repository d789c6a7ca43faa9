// Package jobs submits jobs: it records each one in the job store and sends
// it to the queue through the `jobs` output binding, once per idempotency key.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/contracts/jobstore"
	"github.com/airdisplay/platform/services/daprapp/observability"
)

// Submitter creates jobs and requeues dead letters.
type Submitter struct {
	dapr    dapr.Client
	store   *jobstore.Store
	binding string
	ttl     time.Duration
	now     func() time.Time

	enqueued *prometheus.CounterVec
	failures prometheus.Counter
	resent   prometheus.Counter
	resends  resends
}

// NewSubmitter sends through the output binding named binding; messages
// left unconsumed for ttl expire in the broker.
func NewSubmitter(c dapr.Client, store *jobstore.Store, binding string, ttl time.Duration, reg prometheus.Registerer) *Submitter {
	s := &Submitter{
		dapr: c, store: store, binding: binding, ttl: ttl, now: time.Now,
		enqueued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jobs_enqueued_total", Help: "Jobs sent to the queue, by type.",
		}, []string{"type"}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jobs_enqueue_failures_total", Help: "Jobs that could not be sent to the queue.",
		}),
		resent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "jobs_resent_total", Help: "Jobs sent again because the broker may have dropped them (see ResendSuspects).",
		}),
	}
	reg.MustRegister(s.enqueued, s.failures, s.resent)
	return s
}

// ErrNotRetryable means the job is not dead-lettered, so it cannot be requeued.
var ErrNotRetryable = errors.New("only a dead-lettered job can be retried")

// ErrNotFound means no job has that id.
var ErrNotFound = errors.New("job not found")

// Result is the outcome of a submission.
type Result struct {
	Record *contract.Record
	// Replayed is true when the idempotency key was seen before and Record
	// is the job created then.
	Replayed bool
}

// Submit records and enqueues one validated request.
func (s *Submitter) Submit(ctx context.Context, req contract.Request) (Result, error) {
	id := uuid.NewString()
	if req.IdempotencyKey != "" {
		bound, err := s.store.ClaimIdempotencyKey(ctx, req.IdempotencyKey, id)
		if err != nil {
			return Result{}, err
		}
		if bound != id {
			rec, _, err := s.store.Get(ctx, bound)
			if err != nil {
				return Result{}, err
			}
			if rec != nil {
				return Result{Record: rec, Replayed: true}, nil
			}
			// The first submission claimed the key but died before
			// recording its job: finish it under the same id.
			id = bound
		}
	}
	now := s.now().UTC()
	rec := &contract.Record{
		ID: id, Type: req.Type, Payload: req.Payload, IdempotencyKey: req.IdempotencyKey,
		Status: contract.StatusQueued, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.store.Insert(ctx, rec); err != nil {
		return Result{}, err
	}
	if err := s.send(ctx, rec); err != nil {
		// Nothing was enqueued: forget the job so a retry starts afresh.
		_ = s.store.Delete(context.WithoutCancel(ctx), id)
		if req.IdempotencyKey != "" {
			_ = s.store.ReleaseIdempotencyKey(context.WithoutCancel(ctx), req.IdempotencyKey)
		}
		return Result{}, err
	}
	return Result{Record: rec}, nil
}

// Get returns a job record.
func (s *Submitter) Get(ctx context.Context, id string) (*contract.Record, error) {
	rec, _, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, ErrNotFound
	}
	return rec, nil
}

// DeadLetters lists dead-lettered jobs.
func (s *Submitter) DeadLetters(ctx context.Context) ([]contract.Record, error) {
	return s.store.DeadLetters(ctx)
}

// Retry requeues a dead-lettered job with a fresh attempt count.
func (s *Submitter) Retry(ctx context.Context, id string) (*contract.Record, error) {
	rec, etag, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, ErrNotFound
	}
	if rec.Status != contract.StatusDeadLettered {
		return nil, fmt.Errorf("%w: job %s is %s", ErrNotRetryable, id, rec.Status)
	}
	if !json.Valid(rec.Payload) || rec.Type == "" {
		return nil, fmt.Errorf("%w: job %s was an unparseable message", ErrNotRetryable, id)
	}
	rec.Status = contract.StatusQueued
	rec.Attempts = 0
	rec.UpdatedAt = s.now().UTC()
	rec.StartedAt, rec.FinishedAt = nil, nil
	if err := s.store.Update(ctx, rec, etag); err != nil {
		return nil, err
	}
	// Off the list before it is sent: once sent, the job may be
	// dead-lettered and listed again before this call would get to it.
	if err := s.store.RemoveDeadLetter(ctx, id); err != nil {
		return nil, err
	}
	if err := s.send(ctx, rec); err != nil {
		return nil, err
	}
	return rec, nil
}

func (s *Submitter) send(ctx context.Context, rec *contract.Record) error {
	msg, err := json.Marshal(contract.Message{
		ID: rec.ID, Type: rec.Type, Payload: rec.Payload, EnqueuedAt: s.now().UTC(),
		TraceParent: observability.TraceParent(ctx),
	})
	if err != nil {
		return err
	}
	// Each broker reads its own keys: RabbitMQ messageID/contentType,
	// Service Bus MessageId/ContentType; ttlInSeconds is common.
	meta := map[string]string{
		"messageID":    rec.ID,
		"MessageId":    rec.ID,
		"contentType":  "application/json",
		"ttlInSeconds": strconv.Itoa(int(s.ttl.Seconds())),
	}
	// Carried as a message header, it is the parent the consumer's sidecar
	// continues the trace from.
	if tp := observability.TraceParent(ctx); tp != "" {
		meta["traceparent"] = tp
	}
	err = s.dapr.InvokeOutputBinding(observability.OutgoingContext(ctx), &dapr.InvokeBindingRequest{
		Name: s.binding, Operation: "create", Data: msg, Metadata: meta,
	})
	if err != nil {
		s.failures.Inc()
		s.resends.failed(rec.ID, s.now())
		return fmt.Errorf("enqueue job %s: %w", rec.ID, err)
	}
	s.resends.sent(rec.ID, s.now())
	s.enqueued.WithLabelValues(rec.Type).Inc()
	return nil
}
