package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/contracts/jobstore"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
)

// counted is a job handler that counts its executions, the way a test
// sees a doubled side effect without trusting the effect marker.
type counted struct {
	runs atomic.Int64
	fail func(attempt int) error // nil: every attempt succeeds
	gate chan struct{}           // if set, each run waits for it
}

func (c *counted) handle(ctx context.Context, _ contract.Message, attempt int) (json.RawMessage, error) {
	c.runs.Add(1)
	if c.gate != nil {
		select {
		case <-c.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if c.fail != nil {
		if err := c.fail(attempt); err != nil {
			return nil, err
		}
	}
	return json.RawMessage(`{}`), nil
}

func newTestProcessor(t *testing.T, h Handler, maxAttempts int) (*Processor, *jobstore.Store, *prometheus.Registry) {
	t.Helper()
	sc := daprtest.New()
	store := jobstore.NewStore(sc, "jobstore")
	reg := prometheus.NewRegistry()
	p := NewProcessor(store, map[string]Handler{"test.count": h}, Config{MaxAttempts: maxAttempts, Timeout: 10 * time.Second, Instance: "test"},
		slog.New(slog.NewTextHandler(io.Discard, nil)), reg)
	return p, store, reg
}

func message(id string) []byte {
	raw, _ := json.Marshal(contract.Message{ID: id, Type: "test.count", Payload: json.RawMessage(`{}`)})
	return raw
}

// A delivery of a job whose outcome is committed (a redelivery after a
// crash between commit and acknowledgement) is acknowledged without
// running the handler again.
func TestARedeliveredCommittedJobDoesNotRunAgain(t *testing.T) {
	t.Parallel()
	var h counted
	p, store, _ := newTestProcessor(t, h.handle, 3)
	ctx := context.Background()
	for range 3 {
		if err := p.Process(ctx, message("j1")); err != nil {
			t.Fatal(err)
		}
	}
	if n := h.runs.Load(); n != 1 {
		t.Fatalf("the handler ran %d times for one job", n)
	}
	if rec, _, _ := store.Get(ctx, "j1"); rec == nil || rec.Status != contract.StatusSucceeded || rec.Attempts != 1 {
		t.Fatalf("record %+v", rec)
	}
}

// Deliveries of one job that overlap (a redelivery while the first
// consumer still runs it) may both run the handler, but exactly one
// commits the job's effects: counted by the commits the processor made,
// not by the marker.
func TestOverlappingDeliveriesCommitTheEffectsOnce(t *testing.T) {
	t.Parallel()
	h := counted{gate: make(chan struct{})}
	p, store, reg := newTestProcessor(t, h.handle, 10)
	ctx := context.Background()
	const deliveries = 6
	var wg sync.WaitGroup
	for range deliveries {
		wg.Go(func() { _ = p.Process(ctx, message("j2")) })
	}
	// Let every delivery that got as far as the handler finish together.
	for h.runs.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(h.gate)
	wg.Wait()
	// Redeliveries until the job is acknowledged, as the queue would.
	for p.Process(ctx, message("j2")) != nil {
	}
	commits := counter(t, reg, "jobs_side_effects_committed_total")
	if commits != 1 {
		t.Fatalf("effects committed %v times by %d handler runs", commits, h.runs.Load())
	}
	var eff Effect
	if found, err := store.Effect(ctx, "j2", &eff); !found || err != nil {
		t.Fatalf("no effect marker: %v", err)
	}
}

// counter sums a counter of the registry over its labels.
func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

// Between attempts the record says failed, with the attempt count and the
// error; the next attempt succeeds; after the last attempt the job is
// dead-lettered and listed.
func TestAFailedAttemptIsRecordedAsFailedThenRetried(t *testing.T) {
	t.Parallel()
	h := counted{fail: func(attempt int) error {
		if attempt == 1 {
			return errors.New("first attempt fails")
		}
		return nil
	}}
	p, store, _ := newTestProcessor(t, h.handle, 3)
	ctx := context.Background()
	if err := p.Process(ctx, message("j3")); err == nil {
		t.Fatal("a failed attempt was acknowledged")
	}
	rec, _, _ := store.Get(ctx, "j3")
	if rec == nil || rec.Status != contract.StatusFailed || rec.Attempts != 1 || rec.LastError == "" || rec.FinishedAt != nil {
		t.Fatalf("record between attempts: %+v, want failed after 1 attempt with its error", rec)
	}
	if err := p.Process(ctx, message("j3")); err != nil {
		t.Fatal(err)
	}
	if rec, _, _ = store.Get(ctx, "j3"); rec.Status != contract.StatusSucceeded || rec.Attempts != 2 || rec.LastError != "" {
		t.Fatalf("record after the retry: %+v", rec)
	}
}

func TestTheLastFailedAttemptDeadLettersTheJob(t *testing.T) {
	t.Parallel()
	h := counted{fail: func(int) error { return errors.New("always") }}
	p, store, _ := newTestProcessor(t, h.handle, 3)
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		err := p.Process(ctx, message("j4"))
		if (i < 3) != (err != nil) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	rec, _, _ := store.Get(ctx, "j4")
	if rec.Status != contract.StatusDeadLettered || rec.Attempts != 3 {
		t.Fatalf("record %+v", rec)
	}
	dl, err := store.DeadLetters(ctx)
	if err != nil || len(dl) != 1 || dl[0].ID != "j4" {
		t.Fatalf("dead letters %+v %v", dl, err)
	}
	if h.runs.Load() != 3 {
		t.Fatalf("handler ran %d times, want 3", h.runs.Load())
	}
}

// A delivery whose handler fails for good while another delivery of the
// same job commits its effect does not dead-letter the job: the record ends
// as the committed effect says, and the job is not listed.
func TestAJobCommittedByAnotherDeliveryIsNotDeadLettered(t *testing.T) {
	t.Parallel()
	var p *Processor
	var store *jobstore.Store
	ctx := context.Background()
	committedAt := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	h := func(ctx context.Context, job contract.Message, attempt int) (json.RawMessage, error) {
		// The other delivery commits while this one runs.
		if _, err := store.InsertEffect(ctx, job.ID, Effect{JobID: job.ID, Type: job.Type, CommittedBy: "other", CommittedAt: committedAt, Attempt: 1, Result: json.RawMessage(`{"by":"other"}`)}); err != nil {
			return nil, err
		}
		return nil, Permanent(errors.New("this delivery fails for good"))
	}
	p, store, _ = newTestProcessor(t, h, 3)
	if err := p.Process(ctx, message("j9")); err != nil {
		t.Fatal(err)
	}
	rec, _, _ := store.Get(ctx, "j9")
	if rec == nil || rec.Status != contract.StatusSucceeded || rec.ProcessedBy != "other" || string(rec.Result) != `{"by":"other"}` || !rec.FinishedAt.Equal(committedAt) {
		t.Fatalf("record %+v, want succeeded as the other delivery's effect says", rec)
	}
	if dl, _ := store.DeadLetters(ctx); len(dl) != 0 {
		t.Fatalf("dead letters %v", dl)
	}
}

// A batch commits its markers in one call, and the writes of that call are
// independent: when another delivery committed one job of the batch while
// its handler ran, that job is settled from the other delivery's marker
// (counted a duplicate, its record rewritten), and every other job of the
// batch is committed once by this one.
func TestABatchCommitsEachJobOnceWhenAnotherDeliveryWonOne(t *testing.T) {
	t.Parallel()
	h := counted{gate: make(chan struct{})}
	p, store, _ := newTestProcessor(t, h.handle, 3)
	ctx := context.Background()
	done := make(chan []error)
	go func() { done <- p.ProcessBatch(ctx, [][]byte{message("b1"), message("b2"), message("b3")}) }()
	// While the batch's handlers run, another delivery commits b2.
	for h.runs.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	won := Effect{JobID: "b2", Type: "test.count", CommittedBy: "elsewhere", CommittedAt: time.Unix(1, 0).UTC(), Attempt: 1}
	if in, err := store.InsertEffect(ctx, "b2", won); err != nil || !in {
		t.Fatalf("insert the other delivery's marker: %v %v", in, err)
	}
	close(h.gate)
	for i, err := range <-done {
		if err != nil {
			t.Errorf("delivery %d: %v", i, err)
		}
	}
	for id, by := range map[string]string{"b1": "test", "b2": "elsewhere", "b3": "test"} {
		var eff Effect
		if found, err := store.Effect(ctx, id, &eff); err != nil || !found || eff.CommittedBy != by {
			t.Errorf("%s: marker %+v (found %v, %v), want committed by %s", id, eff, found, err, by)
		}
		rec, _, _ := store.Get(ctx, id)
		if rec == nil || rec.Status != contract.StatusSucceeded || rec.ProcessedBy != by {
			t.Errorf("%s: record %+v, want succeeded as committed by %s", id, rec, by)
		}
	}
}

// The success path writes each record once, from queued to succeeded:
// no `running` write, and the attempt is counted in that write.
func TestASuccessfulBatchWritesEachRecordOnce(t *testing.T) {
	t.Parallel()
	var h counted
	p, store, _ := newTestProcessor(t, h.handle, 3)
	ctx := context.Background()
	for _, id := range []string{"w1", "w2"} {
		if err := store.Insert(ctx, &contract.Record{ID: id, Type: "test.count", Status: contract.StatusQueued}); err != nil {
			t.Fatal(err)
		}
	}
	_, before, _ := store.Get(ctx, "w1")
	for _, err := range p.ProcessBatch(ctx, [][]byte{message("w1"), message("w2")}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	rec, after, _ := store.Get(ctx, "w1")
	if rec.Status != contract.StatusSucceeded || rec.Attempts != 1 || rec.StartedAt == nil {
		t.Fatalf("record %+v", rec)
	}
	if b, _ := strconv.Atoi(before); after != strconv.Itoa(b+1) {
		t.Fatalf("record version %s → %s: want one write", before, after)
	}
}

// A handler that panics fails its job for good: the job is dead-lettered
// at once, and the consumer and the other jobs of its batch carry on.
func TestAPanickingHandlerDeadLettersItsJobAndSparesTheBatch(t *testing.T) {
	t.Parallel()
	h := func(_ context.Context, m contract.Message, _ int) (json.RawMessage, error) {
		if m.ID == "boom" {
			panic("handler bug")
		}
		return json.RawMessage(`{}`), nil
	}
	p, store, _ := newTestProcessor(t, h, 5)
	ctx := context.Background()
	for i, err := range p.ProcessBatch(ctx, [][]byte{message("fine"), message("boom")}) {
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	rec, _, _ := store.Get(ctx, "boom")
	if rec == nil || rec.Status != contract.StatusDeadLettered || rec.Attempts != 1 || !strings.Contains(rec.LastError, "panicked") {
		t.Fatalf("panicking job's record %+v", rec)
	}
	if rec, _, _ := store.Get(ctx, "fine"); rec == nil || rec.Status != contract.StatusSucceeded {
		t.Fatalf("the batch's other job: %+v", rec)
	}
}
