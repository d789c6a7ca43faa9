package banner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/airdisplay/platform/services/contracts/banners"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
)

// Listing pages through every banner once, across many index pages (page
// size 3, 20 banners: 7 pages), whatever the limit and wherever a page of
// the listing starts or ends.
func TestListingCrossesIndexPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	x := NewIndex(daprtest.New(), "statestore", 3)
	want := map[string]bool{}
	for i := range 20 {
		id := fmt.Sprintf("b%02d", i)
		want[id] = true
		if err := x.Add(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := x.Add(ctx, id); err != nil { // a retried registration
			t.Fatal(err)
		}
		if err := x.SaveView(ctx, banners.View{ID: id, Name: "Banner " + id}); err != nil {
			t.Fatal(err)
		}
	}
	for _, limit := range []int{1, 2, 3, 4, 7, 50} {
		seen := map[string]int{}
		cursor := ""
		for pages := 0; ; pages++ {
			views, next, err := x.List(ctx, cursor, limit)
			if err != nil {
				t.Fatalf("limit %d, cursor %q: %v", limit, cursor, err)
			}
			if len(views) > limit {
				t.Fatalf("limit %d: a page of %d", limit, len(views))
			}
			if len(views) == 0 && cursor != "" {
				t.Fatalf("limit %d: cursor %q led to an empty page", limit, cursor)
			}
			for _, v := range views {
				seen[v.ID]++
				if v.Name != "Banner "+v.ID {
					t.Errorf("limit %d: %s listed with name %q", limit, v.ID, v.Name)
				}
			}
			if next == "" {
				break
			}
			if pages > 100 {
				t.Fatalf("limit %d: the cursor never ends", limit)
			}
			cursor = next
		}
		for id := range want {
			if seen[id] != 1 {
				t.Errorf("limit %d: %s listed %d times", limit, id, seen[id])
			}
		}
		if len(seen) != len(want) {
			t.Errorf("limit %d: %d banners listed, want %d", limit, len(seen), len(want))
		}
	}
}

// Registrations racing each other (each rewrites the last page of its
// stripe with an ETag) all end up listed, once, and spread over stripes.
func TestConcurrentRegistrationsAreAllListed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	x := NewIndex(daprtest.New(), "statestore", 5)
	const n = 400
	var wg sync.WaitGroup
	errs := make(chan error, n)
	used := map[int]bool{}
	for i := range n {
		id := fmt.Sprintf("c%03d", i)
		used[stripeOf(id)] = true
		wg.Go(func() { errs <- x.Add(ctx, id) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(used) != stripes {
		t.Errorf("%d ids used %d of %d stripes", n, len(used), stripes)
	}
	seen := map[string]int{}
	for cursor := ""; ; {
		views, next, err := x.List(ctx, cursor, 37)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range views {
			seen[v.ID]++
		}
		if next == "" {
			break
		}
		cursor = next
	}
	for i := range n {
		if id := fmt.Sprintf("c%03d", i); seen[id] != 1 {
			t.Errorf("%s listed %d times", id, seen[id])
		}
	}
}

// A cursor from before stripes ("<page>.<offset>") still reads stripe 0;
// anything else that is not a cursor List returned is refused.
func TestCursors(t *testing.T) {
	t.Parallel()
	if got, err := parseCursor("3.7"); err != nil || got != (position{0, 3, 7}) {
		t.Errorf(`parseCursor("3.7") = %v, %v; want stripe 0, page 3, offset 7`, got, err)
	}
	if got, err := parseCursor("5.1.2"); err != nil || got.String() != "5.1.2" {
		t.Errorf(`parseCursor("5.1.2") = %v, %v`, got, err)
	}
	for _, bad := range []string{"x", "1", "1.2.3.4", "-1.0", "16.0.0", "1.a.0", "1..0"} {
		if _, err := parseCursor(bad); !errors.Is(err, ErrBadCursor) {
			t.Errorf("parseCursor(%q): %v, want ErrBadCursor", bad, err)
		}
	}
}
