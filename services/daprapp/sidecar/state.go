package sidecar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	dapr "github.com/dapr/go-sdk/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

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

// Item is a value read by GetMany, with its ETag.
type Item struct {
	Value []byte
	ETag  string
}

// GetMany reads keys in one call to the sidecar; keys that are absent are
// left out of the map. An answer too large for one gRPC message (4 MiB by
// default, on either side) is read again in halves.
func GetMany(ctx context.Context, c dapr.Client, store string, keys []string) (map[string]Item, error) {
	items, err := c.GetBulkState(observability.OutgoingContext(ctx), store, keys, nil, bulkParallelism)
	if status.Code(err) == codes.ResourceExhausted && len(keys) > 1 {
		out, err := GetMany(ctx, c, store, keys[:len(keys)/2])
		if err != nil {
			return nil, err
		}
		rest, err := GetMany(ctx, c, store, keys[len(keys)/2:])
		if err != nil {
			return nil, err
		}
		maps.Copy(out, rest)
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get %d keys: %w", len(keys), err)
	}
	out := make(map[string]Item, len(items))
	for _, it := range items {
		if it.Error != "" {
			return nil, fmt.Errorf("get %s: %s", it.Key, it.Error)
		}
		if len(it.Value) > 0 {
			out[it.Key] = Item{Value: it.Value, ETag: it.Etag}
		}
	}
	return out, nil
}

// bulkParallelism bounds the store calls one bulk read makes at once.
const bulkParallelism = 32

// Put is one write of PutManyJSON, guarded as PutJSON guards it.
type Put struct {
	Key   string
	Value any
	ETag  string
}

// PutManyJSON makes each write as PutJSON does, in as few calls to the
// sidecar as fit its message limit (callBytes of values each). The writes
// are independent (Dapr runs them one by one, not as a transaction): an
// error says that at least one failed, not which, so the caller reads back
// what it needs to know.
func PutManyJSON(ctx context.Context, c dapr.Client, store string, puts []Put, meta map[string]string) error {
	var errs []error
	var call []*dapr.SetStateItem
	size := 0
	flush := func() {
		if len(call) == 0 {
			return
		}
		if err := c.SaveBulkState(observability.OutgoingContext(ctx), store, call...); err != nil {
			errs = append(errs, fmt.Errorf("save %d keys: %w", len(call), err))
		}
		call, size = nil, 0
	}
	for _, p := range puts {
		raw, err := json.Marshal(p.Value)
		if err != nil {
			return err
		}
		if size+len(raw) > callBytes {
			flush()
		}
		item := &dapr.SetStateItem{Key: p.Key, Value: raw, Options: firstWrite, Metadata: meta}
		if p.ETag != "" {
			item.Etag = &dapr.ETag{Value: p.ETag}
		}
		call, size = append(call, item), size+len(raw)
	}
	flush()
	return errors.Join(errs...)
}

// callBytes bounds the values of one bulk write: half of the 4 MiB gRPC
// message daprd and the SDK accept by default, leaving room for keys,
// metadata and framing.
const callBytes = 2 << 20
