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

// The effect marker is inserted once: a second insert, by any attempt,
// reports that it did not insert and leaves the first marker.
func TestAnEffectMarkerIsInsertedOnce(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(), context.Background()
	if ok, err := s.InsertEffect(ctx, "j2", map[string]string{"by": "a"}); err != nil || !ok {
		t.Fatalf("first insert: %v, %v", ok, err)
	}
	if ok, err := s.InsertEffect(ctx, "j2", map[string]string{"by": "b"}); err != nil || ok {
		t.Fatalf("second insert: inserted=%v, %v; want false, nil", ok, err)
	}
	var eff map[string]string
	if found, _ := s.Effect(ctx, "j2", &eff); !found || eff["by"] != "a" {
		t.Fatalf("effect marker %v, want the first insert's", eff)
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
