package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/prometheus/client_golang/prometheus"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/contracts/jobstore"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
)

// countingSidecar counts bulk publishes and state writes.
type countingSidecar struct {
	*daprtest.Sidecar
	publishes, saves atomic.Int32
}

func (s *countingSidecar) PublishEvents(ctx context.Context, pubsub, topic string, events []any, opts ...dapr.PublishEventsOption) dapr.PublishEventsResponse {
	s.publishes.Add(1)
	return s.Sidecar.PublishEvents(ctx, pubsub, topic, events, opts...)
}

func (s *countingSidecar) SaveBulkState(ctx context.Context, store string, items ...*dapr.SetStateItem) error {
	s.saves.Add(1)
	return s.Sidecar.SaveBulkState(ctx, store, items...)
}

// Jobs submitted one per request at the same moment share the group
// commit's state call and bulk publish, and each is still recorded and
// published.
func TestConcurrentSubmissionsShareOneStateCallAndOnePublish(t *testing.T) {
	sc := &countingSidecar{Sidecar: daprtest.New()}
	s := NewSubmitter(sc, jobstore.NewStore(sc, "jobstore"), "jobs", "jobs", time.Hour, prometheus.NewRegistry())
	defer s.Close()
	const n = 50
	var wg sync.WaitGroup
	ids := make([]string, n)
	for i := range n {
		wg.Go(func() {
			res, err := s.Submit(context.Background(), contract.Request{Type: contract.TypeWorkSimulate})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = res.Record.ID
		})
	}
	wg.Wait()
	// One group in the ideal case; a slow machine may start a goroutine
	// after the linger, so allow a few, far below one call a job.
	if p, w := sc.publishes.Load(), sc.saves.Load(); p > 5 || w > 5 {
		t.Fatalf("%d jobs took %d bulk publishes and %d state calls, want a few", n, p, w)
	}
	if got := len(sc.Events()); got != n {
		t.Fatalf("%d events published, want %d", got, n)
	}
	for _, id := range ids {
		if rec, err := s.Get(context.Background(), id); err != nil || rec == nil {
			t.Fatalf("job %s not recorded: %v", id, err)
		}
	}
}

// A committer waits for a group to fill only when jobs are arriving faster
// than one per linger; a job on a quiet producer is committed at once.
func TestTheGroupCommitWaitsOnlyUnderLoad(t *testing.T) {
	for _, c := range []struct {
		lastGroup int
		sinceLast time.Duration
		want      bool
	}{
		{1, time.Second, false}, // quiet: one job a second
		{1, 2 * linger, false},  // slower than one job per linger
		{1, linger / 2, true},   // two jobs within one linger
		{20, 10 * linger, true}, // 20 jobs over 10 lingers
		{0, 0, false},           // the first group ever
	} {
		if got := worthLinger(c.lastGroup, c.sinceLast); got != c.want {
			t.Errorf("worthLinger(%d, %s) = %v, want %v", c.lastGroup, c.sinceLast, got, c.want)
		}
	}
}

// Two requests with one idempotency key can reach the same group with the
// same job (the second finishing what the first began): the job is
// published once (daprd refuses a bulk publish with a repeated entry id,
// which would fail every job of the group) and both requests succeed.
func TestAJobTwiceInOneGroupIsPublishedOnceAndBothRequestsSucceed(t *testing.T) {
	sc := &countingSidecar{Sidecar: daprtest.New()}
	s := NewSubmitter(sc, jobstore.NewStore(sc, "jobstore"), "jobs", "jobs", time.Hour, prometheus.NewRegistry())
	defer s.Close()
	pend := func(id string) pending {
		return pending{rec: &contract.Record{ID: id, Type: contract.TypeWorkSimulate, Status: contract.StatusQueued}, done: make(chan error, 1)}
	}
	group := []pending{pend("other"), pend("twice"), pend("twice")}
	s.commitGroup(group)
	for _, p := range group {
		if err := <-p.done; err != nil {
			t.Fatalf("job %s: %v", p.rec.ID, err)
		}
	}
	if got := len(sc.Events()); got != 2 {
		t.Fatalf("%d events published, want 2", got)
	}
}

// A group larger than a broker's bulk batch (Service Bus: 128 KiB) goes
// out in several publishes, every job of it published.
func TestALargeGroupIsPublishedInBatchesABrokerTakes(t *testing.T) {
	sc := &countingSidecar{Sidecar: daprtest.New()}
	s := NewSubmitter(sc, jobstore.NewStore(sc, "jobstore"), "jobs", "jobs", time.Hour, prometheus.NewRegistry())
	defer s.Close()
	const n = 300
	payload := json.RawMessage(`{"pad":"` + strings.Repeat("x", 1024) + `"}`)
	recs, tps := make([]*contract.Record, n), make([]string, n)
	for i := range recs {
		recs[i] = &contract.Record{ID: fmt.Sprint("job-", i), Type: contract.TypeWorkSimulate, Payload: payload}
	}
	for i, err := range s.sendMany(context.Background(), recs, tps) {
		if err != nil {
			t.Fatalf("job %d: %v", i, err)
		}
	}
	if got := len(sc.Events()); got != n {
		t.Fatalf("%d events published, want %d", got, n)
	}
	if p := sc.publishes.Load(); p < 4 {
		t.Fatalf("300 KiB of jobs in %d bulk publishes, want batches of at most %d KiB", p, publishBytes>>10)
	}
}

// Suspect jobs are checked in one read: those not finished are sent again,
// together, and those finished are left alone.
func TestUnfinishedSuspectsAreSentAgainAndFinishedOnesAreNot(t *testing.T) {
	sc := &countingSidecar{Sidecar: daprtest.New()}
	store := jobstore.NewStore(sc, "jobstore")
	s := NewSubmitter(sc, store, "jobs", "jobs", time.Hour, prometheus.NewRegistry())
	defer s.Close()
	ctx := context.Background()
	for id, st := range map[string]contract.Status{"queued": contract.StatusQueued, "done": contract.StatusSucceeded, "failed": contract.StatusFailed} {
		if err := store.Insert(ctx, &contract.Record{ID: id, Type: contract.TypeWorkSimulate, Status: st}); err != nil {
			t.Fatal(err)
		}
	}
	sent, err := s.resendUnfinished(ctx, []string{"queued", "done", "failed", "gone"})
	if err != nil || sent != 2 {
		t.Fatalf("resent %d (%v), want 2", sent, err)
	}
	var ids []string
	for _, ev := range sc.Events() {
		var m contract.Message
		_ = json.Unmarshal(ev.Data, &m)
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"failed", "queued"}) || sc.publishes.Load() != 1 {
		t.Fatalf("sent %v in %d publishes, want [failed queued] in 1", ids, sc.publishes.Load())
	}
}

// A broker's batch limit counts each message's properties and framing,
// not just its body: 500 small jobs do not go out as one publish.
func TestSmallJobsCountTheirOverheadAgainstABrokersBatch(t *testing.T) {
	sc := &countingSidecar{Sidecar: daprtest.New()}
	s := NewSubmitter(sc, jobstore.NewStore(sc, "jobstore"), "jobs", "jobs", time.Hour, prometheus.NewRegistry())
	defer s.Close()
	const n = 500
	recs, tps := make([]*contract.Record, n), make([]string, n)
	for i := range recs {
		recs[i] = &contract.Record{ID: fmt.Sprint("small-", i), Type: contract.TypeWorkSimulate, Payload: json.RawMessage(`{}`)}
	}
	for i, err := range s.sendMany(context.Background(), recs, tps) {
		if err != nil {
			t.Fatalf("job %d: %v", i, err)
		}
	}
	// ~130 bytes of body and ~512 of overhead each: ~320 KiB in all.
	if p := sc.publishes.Load(); p < 3 {
		t.Fatalf("500 small jobs in %d bulk publishes, want at least 3 (96 KiB each, overhead counted)", p)
	}
}
