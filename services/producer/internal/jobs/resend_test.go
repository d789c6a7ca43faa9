package jobs

import (
	"context"
	"slices"
	"testing"
	"time"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/prometheus/client_golang/prometheus"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/contracts/jobstore"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
)

// Every job sent before a failed send is suspect, and the failed one;
// suspects are handed out for a check only once a send has worked again,
// and only once.
func TestJobsSentBeforeAFailureAreSuspectUntilSendsWorkAgain(t *testing.T) {
	var r resends
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.sent("a", t0)
	r.sent("b", t0.Add(time.Minute))
	r.failed("x-failed", t0.Add(2*time.Minute))
	if ids := r.due(); ids != nil {
		t.Fatalf("suspects due while the broker still fails: %v", ids)
	}
	r.sent("c", t0.Add(3*time.Minute))
	ids := r.due()
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"a", "b", "x-failed"}) {
		t.Fatalf("due %v, want every job sent before the failure and the one that failed: [a b x-failed]", ids)
	}
	if again := r.due(); len(again) != 0 {
		t.Fatalf("suspects handed out twice: %v", again)
	}
	// c, sent after the failure, is suspect only if another send fails.
	r.failed("y-failed", t0.Add(4*time.Minute))
	r.sent("d", t0.Add(5*time.Minute))
	ids = r.due()
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"c", "y-failed"}) {
		t.Fatalf("due %v after a second failure, want [c y-failed]", ids)
	}
}

// Memory stays bounded: past MaxTracked the oldest half is forgotten.
func TestTrackedJobsAreBounded(t *testing.T) {
	var r resends
	for i := range MaxTracked + 10 {
		r.sent(string(rune('a'+i%26))+time.Duration(i).String(), time.Time{})
	}
	if n := len(r.recent); n > MaxTracked {
		t.Fatalf("%d jobs tracked, want at most %d", n, MaxTracked)
	}
}

// A send slow enough to have spanned a reconnect makes every job sent
// before it suspect, as a failed one does; the slow send's own jobs
// got through after the reconnect and are not.
func TestJobsSentBeforeASlowSendAreSuspect(t *testing.T) {
	var r resends
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.sent("a", t0)
	r.sent("b", t0.Add(time.Second))
	r.slow(t0.Add(2 * time.Second)) // the slow call's start
	r.sent("slow-one", t0.Add(5*time.Second))
	ids := r.due()
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"a", "b"}) {
		t.Fatalf("due %v, want the jobs sent before the slow send: [a b]", ids)
	}
}

// slowSidecar's publishes take as long as its clock says.
type slowSidecar struct {
	*daprtest.Sidecar
	clock *time.Time
	took  time.Duration
}

func (s slowSidecar) PublishEvents(ctx context.Context, pubsub, topic string, events []any, opts ...dapr.PublishEventsOption) dapr.PublishEventsResponse {
	*s.clock = s.clock.Add(s.took)
	return s.Sidecar.PublishEvents(ctx, pubsub, topic, events, opts...)
}

// The Submitter notices a publish that took SlowSend or more and makes the
// jobs sent before it suspect.
func TestASlowPublishMakesEarlierJobsSuspect(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sc := &slowSidecar{Sidecar: daprtest.New(), clock: &clock, took: time.Millisecond}
	s := NewSubmitter(sc, jobstore.NewStore(sc, "jobstore"), "jobs", "jobs", time.Hour, prometheus.NewRegistry())
	defer s.Close()
	s.now = func() time.Time { return clock }
	ctx := context.Background()
	first := &contract.Record{ID: "before", Type: contract.TypeWorkSimulate}
	if err := s.send(ctx, first); err != nil {
		t.Fatal(err)
	}
	if ids := s.resends.due(); len(ids) != 0 {
		t.Fatalf("suspects after a quick publish: %v", ids)
	}
	sc.took = 2 * SlowSend
	if err := s.send(ctx, &contract.Record{ID: "slow", Type: contract.TypeWorkSimulate}); err != nil {
		t.Fatal(err)
	}
	if ids := s.resends.due(); !slices.Equal(ids, []string{"before"}) {
		t.Fatalf("suspects after a slow publish: %v, want [before]", ids)
	}
}
