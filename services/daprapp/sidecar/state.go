package sidecar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	dapr "github.com/dapr/go-sdk/client"

	"github.com/airdisplay/platform/services/daprapp/observability"
)

// ErrConflict means another writer changed the key since it was read (or,
// for an insert, wrote it first).
var ErrConflict = errors.New("state changed concurrently")

var firstWrite = &dapr.StateOptions{Concurrency: dapr.StateConcurrencyFirstWrite, Consistency: dapr.StateConsistencyStrong}

// GetJSON reads a JSON value and its ETag from the state store; a missing
// key is found=false.
func GetJSON(ctx context.Context, c dapr.Client, store, key string, v any) (etag string, found bool, err error) {
	item, err := c.GetState(observability.OutgoingContext(ctx), store, key, nil)
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

// PutJSON writes v as JSON with first-write concurrency: an empty etag
// inserts only if the key is absent, a non-empty one updates only if it
// still matches; otherwise ErrConflict. meta goes with the item.
func PutJSON(ctx context.Context, c dapr.Client, store, key string, v any, etag string, meta map[string]string) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	item := &dapr.SetStateItem{Key: key, Value: raw, Options: firstWrite, Metadata: meta}
	if etag != "" {
		item.Etag = &dapr.ETag{Value: etag}
	}
	if err := c.SaveBulkState(observability.OutgoingContext(ctx), store, item); err != nil {
		if IsConflict(err) {
			return ErrConflict
		}
		return fmt.Errorf("save %s: %w", key, err)
	}
	return nil
}
