package banner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	dapr "github.com/dapr/go-sdk/client"

	"github.com/airdisplay/platform/services/daprapp/sidecar"
)

// errConflict means another writer changed the key since it was read.
var errConflict = errors.New("concurrent update")

// getJSON reads a JSON value and its ETag; a missing key is found=false.
func getJSON(ctx context.Context, c dapr.Client, store, key string, v any) (etag string, found bool, err error) {
	item, err := c.GetState(ctx, store, key, nil)
	if err != nil {
		return "", false, fmt.Errorf("get %s: %w", key, err)
	}
	if item == nil || len(item.Value) == 0 {
		return "", false, nil
	}
	if err := json.Unmarshal(item.Value, v); err != nil {
		return "", false, fmt.Errorf("decode %s: %w", key, err)
	}
	return item.Etag, true, nil
}

// putJSON writes with first-write concurrency: an empty etag inserts only
// if the key is absent, a non-empty one updates only if it still matches;
// otherwise errConflict.
func putJSON(ctx context.Context, c dapr.Client, store, key string, v any, etag string) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	item := &dapr.SetStateItem{Key: key, Value: raw, Options: &dapr.StateOptions{Concurrency: dapr.StateConcurrencyFirstWrite, Consistency: dapr.StateConsistencyStrong}}
	if etag != "" {
		item.Etag = &dapr.ETag{Value: etag}
	}
	if err := c.SaveBulkState(ctx, store, item); err != nil {
		if sidecar.IsConflict(err) {
			return errConflict
		}
		return fmt.Errorf("save %s: %w", key, err)
	}
	return nil
}
