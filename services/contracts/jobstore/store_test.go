package jobstore

import (
	"context"
	"errors"
	"testing"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
)

func newStore() *Store { return NewStore(daprtest.New(), "jobstore") }

func TestInsertRefusesAnExistingRecordAndUpdateAStaleETag(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(), context.Background()
	r := &contract.Record{ID: "j1", Status: contract.StatusQueued}
	if err := s.Insert(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, r); !errors.Is(err, ErrConflict) {
		t.Fatalf("second insert: %v, want ErrConflict", err)
	}
	_, etag, _ := s.Get(ctx, "j1")
	r.Status = contract.StatusRunning
	if err := s.Update(ctx, r, etag); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, r, etag); !errors.Is(err, ErrConflict) {
		t.Fatalf("update with a stale etag: %v, want ErrConflict", err)
	}
}

// The commit guard: a job's outcome and its effect marker are written
// together or not at all, and only once. A second commit fails even with
// the record's current ETag (the marker exists), and a commit with a stale
// ETag writes neither.
func TestCommitWritesRecordAndMarkerOnceAndTogether(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(), context.Background()
	r := &contract.Record{ID: "j2", Status: contract.StatusRunning}
	if err := s.Insert(ctx, r); err != nil {
		t.Fatal(err)
	}
	_, etag, _ := s.Get(ctx, "j2")
	r.Status = contract.StatusSucceeded
	if err := s.Commit(ctx, r, etag, map[string]string{"by": "a"}); err != nil {
		t.Fatal(err)
	}
	_, fresh, _ := s.Get(ctx, "j2")
	if err := s.Commit(ctx, r, fresh, map[string]string{"by": "b"}); !errors.Is(err, ErrConflict) {
		t.Fatalf("second commit: %v, want ErrConflict", err)
	}
	var eff map[string]string
	if found, _ := s.Effect(ctx, "j2", &eff); !found || eff["by"] != "a" {
		t.Fatalf("effect marker %v, want the first commit's", eff)
	}

	other := &contract.Record{ID: "j3", Status: contract.StatusRunning}
	if err := s.Insert(ctx, other); err != nil {
		t.Fatal(err)
	}
	other.Status = contract.StatusSucceeded
	if err := s.Commit(ctx, other, "999", "x"); !errors.Is(err, ErrConflict) {
		t.Fatalf("commit with a stale etag: %v, want ErrConflict", err)
	}
	if found, _ := s.Effect(ctx, "j3", new(string)); found {
		t.Fatal("a refused commit left its effect marker")
	}
	if rec, _, _ := s.Get(ctx, "j3"); rec.Status != contract.StatusRunning {
		t.Fatalf("a refused commit changed the record: %s", rec.Status)
	}
}

func TestAnIdempotencyKeyStaysWithTheFirstJob(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(), context.Background()
	if id, err := s.ClaimIdempotencyKey(ctx, "k", "first"); err != nil || id != "first" {
		t.Fatalf("claim: %q %v", id, err)
	}
	if id, err := s.ClaimIdempotencyKey(ctx, "k", "second"); err != nil || id != "first" {
		t.Fatalf("second claim: %q %v, want first", id, err)
	}
	if err := s.ReleaseIdempotencyKey(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if id, _ := s.ClaimIdempotencyKey(ctx, "k", "third"); id != "third" {
		t.Fatalf("claim after release: %q", id)
	}
}

// The dead-letter index lists each id once and only records marked
// dead-lettered; removing an id drops it.
func TestDeadLetterIndex(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(), context.Background()
	for _, r := range []*contract.Record{{ID: "d1", Status: contract.StatusDeadLettered}, {ID: "d2", Status: contract.StatusRunning}} {
		if err := s.Insert(ctx, r); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := s.AddDeadLetter(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	dl, err := s.DeadLetters(ctx)
	if err != nil || len(dl) != 1 || dl[0].ID != "d1" {
		t.Fatalf("dead letters %+v %v, want d1 once (d2 is not marked)", dl, err)
	}
	if err := s.RemoveDeadLetter(ctx, "d1"); err != nil {
		t.Fatal(err)
	}
	if dl, _ := s.DeadLetters(ctx); len(dl) != 0 {
		t.Fatalf("after removal: %+v", dl)
	}
}
