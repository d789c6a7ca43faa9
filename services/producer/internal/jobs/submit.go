// Package jobs submits jobs: it records each one in the job store and
// publishes it to the job queue (the `jobs` pub/sub topic), once per
// idempotency key; a batch costs one state call and one bulk publish.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
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
	dapr   dapr.Client
	store  *jobstore.Store
	pubsub string
	topic  string
	ttl    time.Duration
	now    func() time.Time

	enqueued *prometheus.CounterVec
	failures prometheus.Counter
	resent   prometheus.Counter
	resends  resends

	queue chan pending // to the group commit
	stop  chan struct{}
}

// NewSubmitter publishes to topic of the pub/sub component pubsub;
// messages left unconsumed for ttl expire in the broker.
func NewSubmitter(c dapr.Client, store *jobstore.Store, pubsub, topic string, ttl time.Duration, reg prometheus.Registerer) *Submitter {
	s := &Submitter{
		dapr: c, store: store, pubsub: pubsub, topic: topic, ttl: ttl, now: time.Now,
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
	s.queue, s.stop = make(chan pending), make(chan struct{})
	for range committers {
		go s.runCommitter()
	}
	return s
}

// Close stops the group commit; call it once no request is in flight.
func (s *Submitter) Close() { close(s.stop) }

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
	if err := s.commit(ctx, rec); err != nil {
		if req.IdempotencyKey != "" {
			_ = s.store.ReleaseIdempotencyKey(context.WithoutCancel(ctx), req.IdempotencyKey)
		}
		return Result{}, err
	}
	return Result{Record: rec}, nil
}

// pending is a job waiting in the group commit (see commit).
type pending struct {
	rec  *contract.Record
	tp   string // its request's traceparent
	done chan error
}

// commit records and enqueues one job through the group commit: the jobs
// of concurrent requests are written and published together, one state
// call and one bulk publish for all of them, which is most of what a job
// costs the producer and its sidecar. Under load a committer waits up to
// linger after a group's first job for others to join it (see worthLinger):
// a sidecar call costs the sidecar far more than a job in it (make
// bench-jobs, open loop).
func (s *Submitter) commit(ctx context.Context, rec *contract.Record) error {
	p := pending{rec: rec, tp: observability.TraceParent(ctx), done: make(chan error, 1)}
	select {
	case s.queue <- p:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued the job is written whatever happens to the request: its
	// outcome is known when the committer answers.
	return <-p.done
}

// committers is how many group commits run at once; maxGroup bounds one;
// linger is how long a committer waits for more jobs after the first.
const (
	committers = 1
	maxGroup   = 500
	linger     = 5 * time.Millisecond
	// commitTimeout bounds one group's state call and publishes.
	commitTimeout = 30 * time.Second
)

// worthLinger tells whether a committer should wait for more jobs after
// the first of a group: only when the last group's size over the time
// since it started says another job is due within linger. A lone request
// on a quiet producer is committed at once.
func worthLinger(lastGroup int, sinceLast time.Duration) bool {
	return sinceLast > 0 && time.Duration(lastGroup)*linger >= sinceLast
}

// runCommitter serves commit until Close.
func (s *Submitter) runCommitter() {
	group := make([]pending, 0, maxGroup)
	timer := time.NewTimer(0)
	var lastStart time.Time
	lastGroup := 0
	for {
		group = group[:0]
		select {
		case <-s.stop:
			return
		case p := <-s.queue:
			group = append(group, p)
		}
		now := time.Now()
		wait := worthLinger(lastGroup, now.Sub(lastStart))
		lastStart = now
		timer.Reset(linger)
	fill:
		for len(group) < maxGroup {
			if !wait {
				select {
				case p := <-s.queue:
					group = append(group, p)
					continue
				default:
					break fill
				}
			}
			select {
			case p := <-s.queue:
				group = append(group, p)
			case <-timer.C:
				break fill
			}
		}
		timer.Stop()
		lastGroup = len(group)
		s.commitGroup(group)
	}
}

// commitGroup writes and publishes a group and answers each of its jobs.
func (s *Submitter) commitGroup(group []pending) {
	// Two requests with one idempotency key can both be here with the
	// job's id (the second finishing what the first began): the job is
	// written and published once and both hear how it went.
	recs, tps := make([]*contract.Record, 0, len(group)), make([]string, 0, len(group))
	first, of := map[string]int{}, make([]int, len(group))
	for i, p := range group {
		j, ok := first[p.rec.ID]
		if !ok {
			j = len(recs)
			first[p.rec.ID] = j
			recs, tps = append(recs, p.rec), append(tps, p.tp)
		}
		of[i] = j
	}
	// A hung sidecar or broker fails the group rather than holding every
	// request (and shutdown) behind it.
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	errs := s.recordAndSend(ctx, recs, tps)
	for i, p := range group {
		p.done <- errs[of[i]]
	}
}

// SubmitBatch records and enqueues validated requests and returns each
// one's result or error. Requests with an idempotency key go through Submit
// (concurrency at a time); the others share one state call and one bulk
// publish.
func (s *Submitter) SubmitBatch(ctx context.Context, reqs []contract.Request, concurrency int) ([]Result, []error) {
	results, errs := make([]Result, len(reqs)), make([]error, len(reqs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, concurrency))
	var plain []int
	for i, req := range reqs {
		if req.IdempotencyKey == "" {
			plain = append(plain, i)
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i], errs[i] = s.Submit(ctx, req)
		}()
	}
	if len(plain) > 0 {
		s.submitPlain(ctx, reqs, plain, results, errs)
	}
	wg.Wait()
	return results, errs
}

// submitPlain records and enqueues reqs[i] for each i in at, none with an
// idempotency key.
func (s *Submitter) submitPlain(ctx context.Context, reqs []contract.Request, at []int, results []Result, errs []error) {
	now := s.now().UTC()
	recs, tps := make([]*contract.Record, len(at)), make([]string, len(at))
	for j, i := range at {
		recs[j] = &contract.Record{
			ID: uuid.NewString(), Type: reqs[i].Type, Payload: reqs[i].Payload,
			Status: contract.StatusQueued, CreatedAt: now, UpdatedAt: now,
		}
		tps[j] = observability.TraceParent(ctx)
	}
	for j, err := range s.recordAndSend(ctx, recs, tps) {
		if err != nil {
			errs[at[j]] = err
		} else {
			results[at[j]] = Result{Record: recs[j]}
		}
	}
}

// recordAndSend inserts the records of new jobs in one state call and
// publishes them in one bulk publish, and returns each one's error. A job
// that could not be published has its record deleted, so that a retry
// starts afresh.
func (s *Submitter) recordAndSend(ctx context.Context, recs []*contract.Record, tps []string) []error {
	errs := make([]error, len(recs))
	stored := make([]bool, len(recs))
	if err := s.store.SaveMany(ctx, recs, make([]string, len(recs))); err != nil {
		// Some record was not written: write each on its own (a conflict
		// means the batch write had stored it).
		for j, rec := range recs {
			err := s.store.Insert(ctx, rec)
			stored[j] = err == nil || errors.Is(err, jobstore.ErrConflict)
			if !stored[j] {
				errs[j] = err
			}
		}
	} else {
		for j := range stored {
			stored[j] = true
		}
	}
	var send []*contract.Record
	var sendTPs []string
	var at []int
	for j, rec := range recs {
		if stored[j] {
			send, sendTPs, at = append(send, rec), append(sendTPs, tps[j]), append(at, j)
		}
	}
	if len(send) == 0 {
		return errs
	}
	for k, err := range s.sendMany(ctx, send, sendTPs) {
		if err != nil {
			// Nothing was enqueued: forget the job so a retry starts afresh.
			_ = s.store.Delete(context.WithoutCancel(ctx), send[k].ID)
			errs[at[k]] = err
		}
	}
	return errs
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
	return s.sendMany(ctx, []*contract.Record{rec}, []string{observability.TraceParent(ctx)})[0]
}

// sendMany publishes the jobs in as few bulk publishes as fit a broker's
// batch (publishBytes each) and returns each one's error (nil: enqueued);
// tps[i] is the traceparent recs[i] carries.
func (s *Submitter) sendMany(ctx context.Context, recs []*contract.Record, tps []string) []error {
	errs := make([]error, len(recs))
	var events []any
	var at []int // index in recs of each event
	size := 0
	now := s.now().UTC()
	for i, rec := range recs {
		tp := tps[i]
		msg, err := json.Marshal(contract.Message{
			ID: rec.ID, Type: rec.Type, Payload: rec.Payload, EnqueuedAt: now, TraceParent: tp,
		})
		if err != nil {
			errs[i] = err
			continue
		}
		// Each broker reads its own keys: RabbitMQ messageID/contentType,
		// Service Bus MessageId/ContentType; ttlInSeconds is common.
		meta := map[string]string{
			"messageID":    rec.ID,
			"MessageId":    rec.ID,
			"contentType":  "application/json",
			"ttlInSeconds": strconv.Itoa(int(s.ttl.Seconds())),
		}
		if tp != "" {
			meta["traceparent"] = tp
		}
		if size+len(msg)+messageOverhead > publishBytes {
			s.publish(ctx, events, at, recs, errs)
			events, at, size = nil, nil, 0
		}
		events, at, size = append(events, dapr.PublishEventsEvent{EntryID: rec.ID, Data: msg, ContentType: "application/json", Metadata: meta}), append(at, i), size+len(msg)+messageOverhead
	}
	s.publish(ctx, events, at, recs, errs)
	for i, rec := range recs {
		if errs[i] != nil {
			s.failures.Inc()
			s.resends.failed(rec.ID, s.now())
			continue
		}
		s.resends.sent(rec.ID, s.now())
		s.enqueued.WithLabelValues(rec.Type).Inc()
	}
	return errs
}

// publishBytes bounds one bulk publish: Service Bus sends a bulk publish
// as one batch, at most 128 KiB by default (its maxBulkPubBytes), each
// message's properties and framing included, which messageOverhead
// allows for (a small job's message is then ~650 bytes: ~150 a publish).
const (
	publishBytes    = 96 << 10
	messageOverhead = 512
)

// publish sends events (events[k] is the job recs[at[k]]) in one bulk
// publish and sets errs for the ones that were not enqueued.
func (s *Submitter) publish(ctx context.Context, events []any, at []int, recs []*contract.Record, errs []error) {
	if len(events) == 0 {
		return
	}
	// Raw payload: the queue carries the message as it is, no CloudEvents
	// envelope, so the consumer reads the same bytes from any broker.
	start := s.now()
	res := s.dapr.PublishEvents(observability.OutgoingContext(ctx), s.pubsub, s.topic, events, dapr.PublishEventsWithRawPayload())
	if s.now().Sub(start) >= SlowSend {
		// The sidecar may have reconnected to the broker within this
		// call: what was sent before it may be gone (see resend.go).
		s.resends.slow(start)
	}
	if res.Error == nil {
		return
	}
	failed := map[string]bool{}
	for _, ev := range res.FailedEvents {
		if e, ok := ev.(dapr.PublishEventsEvent); ok {
			failed[e.EntryID] = true
		}
	}
	for _, i := range at {
		// No list of failed events: the whole call failed.
		if len(failed) == 0 || failed[recs[i].ID] {
			errs[i] = fmt.Errorf("enqueue job %s: %w", recs[i].ID, res.Error)
		}
	}
}
