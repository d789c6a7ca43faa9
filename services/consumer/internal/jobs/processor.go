// Package jobs processes jobs delivered by the `jobs` input binding:
// at-least-once delivery in, effectively-once effects out, retries counted
// per job, dead letters after the last attempt.
package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/contracts/jobstore"
	"github.com/airdisplay/platform/services/daprapp/observability"
)

// Handler runs one job type. It returns the job's result. A handler must be
// idempotent per job id: it may run again after a crash before commit.
type Handler func(ctx context.Context, job contract.Message, attempt int) (json.RawMessage, error)

// permanentError marks a failure no retry can fix.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent wraps err so the job is dead-lettered without further attempts.
func Permanent(err error) error { return permanentError{err} }

// Effect is the marker committed with a job's outcome. It carries the
// outcome too, so that a record the commit could not update (Redis does not
// roll a transaction back; see settle) is rewritten from it.
type Effect struct {
	JobID       string          `json:"jobId"`
	Type        string          `json:"type"`
	CommittedBy string          `json:"committedBy"`
	CommittedAt time.Time       `json:"committedAt"`
	Attempt     int             `json:"attempt"`
	Result      json.RawMessage `json:"result,omitempty"`
}

// Processor turns deliveries into committed outcomes.
type Processor struct {
	store       *jobstore.Store
	handlers    map[string]Handler
	maxAttempts int
	timeout     time.Duration
	instance    string
	log         *slog.Logger
	now         func() time.Time
	m           metrics
}

type metrics struct {
	processed *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	latency   *prometheus.HistogramVec
	inFlight  prometheus.Gauge
	effects   *prometheus.CounterVec
}

// Config configures a Processor.
type Config struct {
	MaxAttempts int           // attempts before a job is dead-lettered
	Timeout     time.Duration // per attempt
	Instance    string        // this consumer's name, recorded on commit
}

// NewProcessor builds a processor over the given handlers, keyed by type.
func NewProcessor(store *jobstore.Store, handlers map[string]Handler, cfg Config, log *slog.Logger, reg prometheus.Registerer) *Processor {
	p := &Processor{
		store: store, handlers: handlers, maxAttempts: cfg.MaxAttempts, timeout: cfg.Timeout,
		instance: cfg.Instance, log: log, now: time.Now,
		m: metrics{
			processed: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "jobs_processed_total", Help: "Job deliveries by type and outcome (succeeded, retry, dead_lettered, duplicate, poison, conflict).",
			}, []string{"type", "outcome"}),
			duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
				Name: "jobs_processing_duration_seconds", Help: "Time a job's handler and commit took.",
				Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
			}, []string{"type"}),
			latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
				Name: "jobs_enqueue_to_start_seconds", Help: "Time from enqueue to the start of an attempt.",
				Buckets: prometheus.ExponentialBuckets(0.001, 2, 20),
			}, []string{"type"}),
			inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
				Name: "jobs_in_flight", Help: "Jobs being processed now.",
			}),
			effects: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "jobs_side_effects_committed_total", Help: "Jobs whose effects this instance committed.",
			}, []string{"type"}),
		},
	}
	reg.MustRegister(p.m.processed, p.m.duration, p.m.latency, p.m.inFlight, p.m.effects)
	return p
}

// Process handles one delivery. A nil error acknowledges the message; an
// error makes the sidecar retry it and, failing that, return it to the queue.
func (p *Processor) Process(ctx context.Context, raw []byte) error {
	p.m.inFlight.Inc()
	defer p.m.inFlight.Dec()

	msg, err := contract.DecodeMessage(raw)
	if err != nil {
		return p.SetAside(ctx, raw, "unparseable message: "+err.Error())
	}
	if msg.TraceParent != "" && observability.TraceParent(ctx) == "" {
		ctx = observability.WithTraceParent(ctx, msg.TraceParent)
	}
	log := p.log.With("job_id", msg.ID, "type", msg.Type, "trace_id", observability.TraceID(ctx))

	rec, etag, err := p.store.Get(ctx, msg.ID)
	if err != nil {
		return err
	}
	if rec == nil {
		// Sent by someone other than the producer, or its record was lost:
		// the message itself says everything needed.
		rec = &contract.Record{ID: msg.ID, Type: msg.Type, Payload: msg.Payload, Status: contract.StatusQueued, CreatedAt: msg.EnqueuedAt}
	}
	if rec.Status.Final() {
		p.m.processed.WithLabelValues(msg.Type, "duplicate").Inc()
		log.Debug("duplicate delivery acknowledged", "status", rec.Status)
		return nil
	}
	if rec.Attempts > 0 {
		// An earlier attempt may have committed its effect without its
		// record (see settle); only then is the marker worth a read.
		if done, err := p.settleDuplicate(ctx, msg.Type, rec.ID, log); done || err != nil {
			return err
		}
	}

	start := p.now().UTC()
	if !msg.EnqueuedAt.IsZero() {
		p.m.latency.WithLabelValues(msg.Type).Observe(start.Sub(msg.EnqueuedAt).Seconds())
	}
	rec.Attempts++
	rec.Status = contract.StatusRunning
	rec.StartedAt = &start
	rec.UpdatedAt = start
	rec.ProcessedBy = p.instance
	if etag, err = p.save(ctx, rec, etag); err != nil {
		return p.conflictOr(msg.Type, err)
	}

	// With "job succeeded" below, one line per handler run and per commit:
	// tests count them to see a doubled side effect without trusting the
	// effect marker, even in the log of a consumer that was killed.
	log.Debug("job attempt started", "attempt", rec.Attempts)
	handler, ok := p.handlers[msg.Type]
	var result json.RawMessage
	if !ok {
		err = Permanent(fmt.Errorf("no handler for job type %q", msg.Type))
	} else {
		hctx, cancel := context.WithTimeout(ctx, p.timeout)
		result, err = handler(hctx, msg, rec.Attempts)
		cancel()
	}
	p.m.duration.WithLabelValues(msg.Type).Observe(time.Since(start).Seconds())
	now := p.now().UTC()
	rec.UpdatedAt = now

	if err == nil {
		rec.Status = contract.StatusSucceeded
		rec.FinishedAt = &now
		rec.Result = result
		rec.LastError = ""
		// The effect first (inserted once, whoever races), then the record.
		effect := Effect{JobID: rec.ID, Type: rec.Type, CommittedBy: p.instance, CommittedAt: now, Attempt: rec.Attempts, Result: result}
		inserted, err := p.store.InsertEffect(ctx, rec.ID, effect)
		if err != nil {
			return err // unknown whether it is in: the redelivery settles
		}
		if !inserted {
			// Another delivery of this job committed its effect first.
			_, err := p.settleDuplicate(ctx, msg.Type, rec.ID, log)
			return err
		}
		p.m.effects.WithLabelValues(msg.Type).Inc()
		p.m.processed.WithLabelValues(msg.Type, "succeeded").Inc()
		log.Debug("job succeeded", "attempt", rec.Attempts)
		if err := p.store.Update(ctx, rec, etag); err != nil {
			// A concurrent delivery changed the record: make it say what
			// this attempt's marker says.
			if _, serr := p.settle(ctx, rec.ID, log); serr != nil {
				return serr
			}
		}
		return nil
	}

	rec.LastError = err.Error()
	var perm permanentError
	if errors.As(err, &perm) || rec.Attempts >= p.maxAttempts {
		// A concurrent delivery may have committed the effect meanwhile:
		// such a job succeeded and must not be listed as a dead letter.
		if done, err := p.settleDuplicate(ctx, msg.Type, rec.ID, log); done || err != nil {
			return err
		}
		// Listed first, then marked: the listing shows only records marked
		// dead-lettered, and a crash between the two leaves a job that a
		// redelivery finishes, not a dead letter missing from the list.
		if err := p.store.AddDeadLetter(ctx, rec.ID); err != nil {
			return err
		}
		rec.Status = contract.StatusDeadLettered
		rec.FinishedAt = &now
		if _, err := p.save(ctx, rec, etag); err != nil {
			return p.conflictOr(msg.Type, err)
		}
		p.m.processed.WithLabelValues(msg.Type, "dead_lettered").Inc()
		log.Warn("job dead-lettered", "attempts", rec.Attempts, "error", rec.LastError)
		return nil
	}
	rec.Status = contract.StatusFailed
	if _, serr := p.save(ctx, rec, etag); serr != nil {
		return p.conflictOr(msg.Type, serr)
	}
	p.m.processed.WithLabelValues(msg.Type, "retry").Inc()
	log.Info("job attempt failed; it will be retried", "attempt", rec.Attempts, "max_attempts", p.maxAttempts, "error", err)
	return fmt.Errorf("job %s attempt %d: %w", rec.ID, rec.Attempts, err)
}

// save writes rec under etag and returns the new etag.
func (p *Processor) save(ctx context.Context, rec *contract.Record, etag string) (string, error) {
	var err error
	if etag == "" {
		err = p.store.Insert(ctx, rec)
	} else {
		err = p.store.Update(ctx, rec, etag)
	}
	if err != nil {
		return "", err
	}
	_, newTag, err := p.store.Get(ctx, rec.ID)
	return newTag, err
}

// settle makes the record of a job whose effect marker exists say what the
// marker says, and reports done=true: the job succeeded, the delivery is
// acknowledged and its handler's outcome is dropped.
//
// The marker is the commit: a single-key insert, written once whatever
// interleaves (jobstore.InsertEffect says why it is not one transaction
// with the record). The record follows it in a second write, which a
// concurrent delivery can beat and a crash can miss; settle brings the
// record back in line, run wherever an attempt could otherwise report,
// retry or dead-letter a job whose effect is already committed.
func (p *Processor) settle(ctx context.Context, id string, log *slog.Logger) (bool, error) {
	var eff Effect
	found, err := p.store.Effect(ctx, id, &eff)
	if err != nil || !found {
		return false, err
	}
	for range 10 {
		rec, etag, err := p.store.Get(ctx, id)
		if err != nil {
			return false, err
		}
		if rec == nil {
			rec = &contract.Record{ID: id, Type: eff.Type, CreatedAt: eff.CommittedAt}
		}
		if rec.Status == contract.StatusSucceeded && rec.ProcessedBy == eff.CommittedBy &&
			rec.FinishedAt != nil && rec.FinishedAt.Equal(eff.CommittedAt) {
			return true, nil
		}
		at := eff.CommittedAt
		rec.Status, rec.FinishedAt, rec.UpdatedAt = contract.StatusSucceeded, &at, at
		rec.ProcessedBy, rec.Result, rec.LastError = eff.CommittedBy, eff.Result, ""
		if eff.Attempt > rec.Attempts {
			rec.Attempts = eff.Attempt
		}
		// An empty etag inserts a record that was never stored.
		err = p.store.Update(ctx, rec, etag)
		if err == nil {
			log.Info("record rewritten from the committed effect marker", "committed_by", eff.CommittedBy)
			return true, nil
		}
		if !errors.Is(err, jobstore.ErrConflict) {
			return false, err
		}
	}
	// Still contended: a redelivery settles it.
	return false, fmt.Errorf("settle job %s: %w", id, jobstore.ErrConflict)
}

// settleDuplicate is settle for a delivery whose attempt did not commit the
// effect: a settled job counts as a duplicate delivery.
func (p *Processor) settleDuplicate(ctx context.Context, typ, id string, log *slog.Logger) (bool, error) {
	done, err := p.settle(ctx, id, log)
	if done {
		p.m.processed.WithLabelValues(typ, "duplicate").Inc()
	}
	return done, err
}

// conflictOr counts a concurrent change and asks for redelivery: whoever
// changed the record first is processing the job, and the redelivery will
// find its outcome.
func (p *Processor) conflictOr(typ string, err error) error {
	if errors.Is(err, jobstore.ErrConflict) {
		p.m.processed.WithLabelValues(typ, "conflict").Inc()
	}
	return err
}

// keptPoisonBytes is how much of a message that is set aside its dead
// letter keeps.
const keptPoisonBytes = 64 << 10

// SetAside records a message that can never be processed (unparseable,
// oversize) as a dead letter poison-<hash of its bytes> and acknowledges
// it, so it never blocks the jobs behind it.
func (p *Processor) SetAside(ctx context.Context, raw []byte, reason string) error {
	sum := sha256.Sum256(raw)
	id := "poison-" + hex.EncodeToString(sum[:8])
	now := p.now().UTC()
	payload, _ := json.Marshal(string(raw[:min(len(raw), keptPoisonBytes)])) // kept verbatim, as a string
	rec := &contract.Record{
		ID: id, Payload: payload, Status: contract.StatusDeadLettered, Attempts: 1,
		CreatedAt: now, UpdatedAt: now, FinishedAt: &now, ProcessedBy: p.instance,
		LastError: reason,
	}
	if err := p.store.Insert(ctx, rec); err != nil && !errors.Is(err, jobstore.ErrConflict) {
		return err
	}
	if err := p.store.AddDeadLetter(ctx, id); err != nil {
		return err
	}
	p.m.processed.WithLabelValues("unknown", "poison").Inc()
	p.log.Warn("unparseable message set aside", "id", id, "reason", reason, "bytes", len(raw))
	return nil
}
