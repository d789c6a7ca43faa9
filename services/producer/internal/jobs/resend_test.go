package jobs

import (
	"slices"
	"testing"
	"time"
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
