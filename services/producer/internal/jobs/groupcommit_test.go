package jobs

import (
	"context"
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
