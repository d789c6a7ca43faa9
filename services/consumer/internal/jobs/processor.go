// Package jobs processes jobs delivered from the `jobs` pub/sub topic:
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
	"runtime/debug"
	"sync"
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

// Effect is the marker committed with a job's outcome: inserted
// first-write-wins, it is the commit. It carries the outcome too, so that
// a record whose write after it did not happen (a consumer killed between
// the two, a lost race) is rewritten from it (see settle).
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

// delivery is one message of a batch on its way to an outcome.
type delivery struct {
	msg    contract.Message
	ctx    context.Context
	log    *slog.Logger
	rec    *contract.Record
	etag   string
	start  time.Time
	result json.RawMessage
	err    error // the handler's
	effect Effect
	// settled: out is the delivery's answer to the transport (nil
	// acknowledges it).
	settled bool
	out     error
}

func (d *delivery) settle(err error) { d.settled, d.out = true, err }

// ProcessBatch handles a batch of deliveries and returns each one's answer
// (nil acknowledges it). The common path costs three calls to the sidecar
// for the whole batch, whatever its size: one read of the records, one
// insert of the effect markers, one write of the records. Anything out of
// the ordinary (a redelivery, a lost race, a failed attempt, a store
// fault) is settled job by job as Process always did.
func (p *Processor) ProcessBatch(ctx context.Context, raws [][]byte) []error {
	p.m.inFlight.Add(float64(len(raws)))
	defer p.m.inFlight.Sub(float64(len(raws)))

	ds := make([]*delivery, len(raws))
	seen := make(map[string]bool, len(raws))
	var ids []string
	for i, raw := range raws {
		d := &delivery{ctx: ctx}
		ds[i] = d
		msg, err := contract.DecodeMessage(raw)
		if err != nil {
			d.settle(p.SetAside(ctx, raw, "unparseable message: "+err.Error()))
			continue
		}
		if seen[msg.ID] {
			// The same job twice in one batch: the second goes back to
			// the queue and finds the first one's outcome.
			d.settle(fmt.Errorf("job %s is already in this batch", msg.ID))
			continue
		}
		seen[msg.ID] = true
		d.msg = msg
		if msg.TraceParent != "" && observability.TraceParent(ctx) == "" {
			d.ctx = observability.WithTraceParent(ctx, msg.TraceParent)
		}
		d.log = p.log.With("job_id", msg.ID, "type", msg.Type, "trace_id", observability.TraceID(d.ctx))
		ids = append(ids, msg.ID)
	}
	if len(ids) > 0 {
		p.run(ctx, ds, ids)
	}
	outs := make([]error, len(ds))
	for i, d := range ds {
		outs[i] = d.out
	}
	return outs
}

// run takes the decoded deliveries of a batch from their records to their
// outcomes.
func (p *Processor) run(ctx context.Context, ds []*delivery, ids []string) {
	got, err := p.store.GetMany(ctx, ids)
	if err != nil {
		for _, d := range ds {
			if !d.settled {
				d.settle(err)
			}
		}
		return
	}
	// Every handler of the batch runs at once: the batch is answered when
	// its slowest job is done, so one attempt's timeout bounds it.
	var wg sync.WaitGroup
	for _, d := range ds {
		if d.settled {
			continue
		}
		d.rec, d.etag = got[d.msg.ID].Rec, got[d.msg.ID].ETag
		if !p.admit(d) {
			continue
		}
		wg.Go(func() { p.attempt(d) })
	}
	wg.Wait()
	p.commit(ctx, ds)
	for _, d := range ds {
		if !d.settled {
			d.settle(p.fail(d))
		}
	}
}

// admit prepares a delivery's record for an attempt, or settles a delivery
// that needs none; it reports whether the handler should run.
func (p *Processor) admit(d *delivery) bool {
	msg := d.msg
	if d.rec == nil {
		// Sent by someone other than the producer, or its record was lost:
		// the message itself says everything needed.
		d.rec = &contract.Record{ID: msg.ID, Type: msg.Type, Payload: msg.Payload, Status: contract.StatusQueued, CreatedAt: msg.EnqueuedAt}
	}
	if d.rec.Status.Final() {
		p.m.processed.WithLabelValues(msg.Type, "duplicate").Inc()
		d.log.Debug("duplicate delivery acknowledged", "status", d.rec.Status)
		d.settle(nil)
		return false
	}
	if d.rec.Attempts > 0 {
		// An earlier attempt may have committed its effect without its
		// record (see settle); only then is the marker worth a read.
		if done, err := p.settleDuplicate(d.ctx, msg.Type, msg.ID, d.log); done || err != nil {
			d.settle(err)
			return false
		}
	}
	d.start = p.now().UTC()
	if !msg.EnqueuedAt.IsZero() {
		p.m.latency.WithLabelValues(msg.Type).Observe(d.start.Sub(msg.EnqueuedAt).Seconds())
	}
	// No `running` write: a success goes from queued to succeeded in one
	// write, a failure counts its attempt when it is recorded.
	d.rec.Attempts++
	d.rec.StartedAt = &d.start
	d.rec.ProcessedBy = p.instance
	return true
}

// attempt runs the job's handler.
func (p *Processor) attempt(d *delivery) {
	// With "job succeeded" below, one line per handler run and per commit:
	// tests count them to see a doubled side effect without trusting the
	// effect marker, even in the log of a consumer that was killed.
	d.log.Debug("job attempt started", "attempt", d.rec.Attempts)
	defer func() {
		// A handler runs in its own goroutine, where nothing else would
		// recover: a panic fails its job for good (dead-lettered, never
		// looping) and leaves the process and the rest of the batch.
		if r := recover(); r != nil {
			d.err = Permanent(fmt.Errorf("job handler panicked: %v", r))
			d.log.Error("job handler panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	handler, ok := p.handlers[d.msg.Type]
	if !ok {
		d.err = Permanent(fmt.Errorf("no handler for job type %q", d.msg.Type))
	} else {
		hctx, cancel := context.WithTimeout(d.ctx, p.timeout)
		d.result, d.err = handler(hctx, d.msg, d.rec.Attempts)
		cancel()
	}
	p.m.duration.WithLabelValues(d.msg.Type).Observe(time.Since(d.start).Seconds())
}

// commit commits the batch's successful attempts: the effect markers
// first (each inserted once, whoever races), then the records.
func (p *Processor) commit(ctx context.Context, ds []*delivery) {
	var ok []*delivery
	for _, d := range ds {
		if !d.settled && d.err == nil {
			now := p.now().UTC()
			d.effect = Effect{JobID: d.msg.ID, Type: d.rec.Type, CommittedBy: p.instance, CommittedAt: now, Attempt: d.rec.Attempts, Result: d.result}
			ok = append(ok, d)
		}
	}
	if len(ok) == 0 {
		return
	}
	ids, effects := make([]string, len(ok)), make([]any, len(ok))
	for i, d := range ok {
		ids[i], effects[i] = d.msg.ID, d.effect
	}
	inserted := ok
	if err := p.store.InsertEffects(ctx, ids, effects); err != nil {
		// Some marker was not inserted by this call: find out which.
		inserted = p.sortInserts(ctx, ok, ids)
	}
	if len(inserted) == 0 {
		return
	}
	recs, etags := make([]*contract.Record, len(inserted)), make([]string, len(inserted))
	for i, d := range inserted {
		at := d.effect.CommittedAt
		d.rec.Status, d.rec.FinishedAt, d.rec.UpdatedAt = contract.StatusSucceeded, &at, at
		d.rec.Result, d.rec.LastError = d.result, ""
		recs[i], etags[i] = d.rec, d.etag
		p.m.effects.WithLabelValues(d.msg.Type).Inc()
		p.m.processed.WithLabelValues(d.msg.Type, "succeeded").Inc()
		d.log.Debug("job succeeded", "attempt", d.rec.Attempts)
		d.settle(nil)
	}
	if err := p.store.SaveMany(ctx, recs, etags); err != nil {
		// A concurrent delivery changed some record (or the store
		// failed): make each say what its marker says.
		for _, d := range inserted {
			if _, serr := p.settle(d.ctx, d.msg.ID, d.log); serr != nil {
				d.settle(serr)
			}
		}
	}
}

// sortInserts finds out, after a batch insert of effect markers failed,
// which markers this batch inserted: those it returns. A job whose marker
// another delivery inserted first is settled as a duplicate; one without
// a marker is inserted on its own.
func (p *Processor) sortInserts(ctx context.Context, ok []*delivery, ids []string) []*delivery {
	markers, err := p.store.Effects(ctx, ids)
	if err != nil {
		for _, d := range ok {
			d.settle(err) // unknown whether it is in: the redelivery settles
		}
		return nil
	}
	var inserted []*delivery
	for _, d := range ok {
		var eff Effect
		raw, found := markers[d.msg.ID]
		if found && json.Unmarshal(raw, &eff) == nil && eff.CommittedBy == d.effect.CommittedBy && eff.CommittedAt.Equal(d.effect.CommittedAt) {
			inserted = append(inserted, d)
			continue
		}
		if !found {
			in, err := p.store.InsertEffect(d.ctx, d.msg.ID, d.effect)
			if err != nil {
				d.settle(err)
				continue
			}
			if in {
				inserted = append(inserted, d)
				continue
			}
		}
		// Another delivery of this job committed its effect first.
		_, err := p.settleDuplicate(d.ctx, d.msg.Type, d.msg.ID, d.log)
		d.settle(err)
	}
	return inserted
}

// fail records a failed attempt: a retry (the error hands the message
// back) or, after the last attempt or a permanent error, a dead letter.
func (p *Processor) fail(d *delivery) error {
	rec, msg, log := d.rec, d.msg, d.log
	ctx := d.ctx
	now := p.now().UTC()
	rec.UpdatedAt = now
	rec.LastError = d.err.Error()
	var perm permanentError
	if errors.As(d.err, &perm) || rec.Attempts >= p.maxAttempts {
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
		if err := p.save(ctx, rec, d.etag); err != nil {
			return p.conflictOr(msg.Type, err)
		}
		p.m.processed.WithLabelValues(msg.Type, "dead_lettered").Inc()
		log.Warn("job dead-lettered", "attempts", rec.Attempts, "error", rec.LastError)
		return nil
	}
	rec.Status = contract.StatusFailed
	if err := p.save(ctx, rec, d.etag); err != nil {
		return p.conflictOr(msg.Type, err)
	}
	p.m.processed.WithLabelValues(msg.Type, "retry").Inc()
	log.Info("job attempt failed; it will be retried", "attempt", rec.Attempts, "max_attempts", p.maxAttempts, "error", d.err)
	return fmt.Errorf("job %s attempt %d: %w", rec.ID, rec.Attempts, d.err)
}

// save writes rec under etag: an insert when the job had no record.
func (p *Processor) save(ctx context.Context, rec *contract.Record, etag string) error {
	if etag == "" {
		return p.store.Insert(ctx, rec)
	}
	return p.store.Update(ctx, rec, etag)
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
