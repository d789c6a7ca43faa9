package sidecar_test

import (
	"context"
	"strings"
	"testing"

	"github.com/airdisplay/platform/services/daprapp/daprtest"
	"github.com/airdisplay/platform/services/daprapp/sidecar"
)

// Bulk writes and reads larger than one sidecar message (4 MiB by
// default) are split into calls that fit, so a batch of large records is
// written and read whole instead of failing every time.
func TestBulkStateLargerThanOneSidecarMessageIsSplit(t *testing.T) {
	t.Parallel()
	sc := daprtest.New()
	ctx := context.Background()
	big := strings.Repeat("x", 1536<<10) // 1.5 MiB a value, 6 MiB in all
	var puts []sidecar.Put
	var keys []string
	for _, k := range []string{"a", "b", "c", "d"} {
		puts = append(puts, sidecar.Put{Key: k, Value: big})
		keys = append(keys, k)
	}
	if err := sidecar.PutManyJSON(ctx, sc, "store", puts, nil); err != nil {
		t.Fatalf("write 6 MiB: %v", err)
	}
	got, err := sidecar.GetMany(ctx, sc, "store", keys)
	if err != nil {
		t.Fatalf("read 6 MiB: %v", err)
	}
	if len(got) != len(keys) {
		t.Fatalf("read %d of %d keys", len(got), len(keys))
	}
}
