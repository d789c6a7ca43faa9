package banner

import (
	"context"
	"fmt"
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
