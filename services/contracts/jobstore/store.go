// Package jobstore keeps job records in the Dapr state store the producer
// and the consumer share, with first-write and ETag concurrency so that no
// two writers silently overwrite each other. Every write is a single-key
// guarded write: no multi-key transaction, so nothing depends on Redis
// rolling back or on keys sharing a cluster slot.
package jobstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	dapr "github.com/dapr/go-sdk/client"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/daprapp/observability"
	"github.com/airdisplay/platform/services/daprapp/sidecar"
)

// Store keeps job records in a Dapr state store.
type Store struct {
	dapr  dapr.Client
	store string
}

// NewStore uses the state store component named store.
func NewStore(c dapr.Client, store string) *Store { return &Store{dapr: c, store: store} }

// ErrConflict means another writer changed the key first.
var ErrConflict = sidecar.ErrConflict

// Get returns a record and its ETag; a missing record returns (nil, "", nil).
func (s *Store) Get(ctx context.Context, id string) (*contract.Record, string, error) {
	var r contract.Record
	etag, found, err := s.getJSON(ctx, contract.RecordKey(id), &r)
	if err != nil || !found {
		return nil, "", err
	}
	return &r, etag, nil
}

// Insert saves a new record; it fails with ErrConflict if the id exists.
func (s *Store) Insert(ctx context.Context, r *contract.Record) error {
	return s.put(ctx, contract.RecordKey(r.ID), r, "")
}

// Update saves r if the stored record still has etag.
func (s *Store) Update(ctx context.Context, r *contract.Record, etag string) error {
	return s.put(ctx, contract.RecordKey(r.ID), r, etag)
}

// Delete removes a record (used when it could not be enqueued).
func (s *Store) Delete(ctx context.Context, id string) error {
	return s.dapr.DeleteState(observability.OutgoingContext(ctx), s.store, contract.RecordKey(id), nil)
}

// ClaimIdempotencyKey binds key to id unless the key is already bound; it
// returns the id the key is bound to.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, key, id string) (string, error) {
	for range 3 {
		err := s.put(ctx, contract.IdempotencyKey(key), id, "")
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, ErrConflict) {
			return "", err
		}
		var existing string
		_, found, err := s.getJSON(ctx, contract.IdempotencyKey(key), &existing)
		if err != nil {
			return "", err
		}
		if found {
			return existing, nil
		}
	}
	return "", fmt.Errorf("idempotency key %q: %w", key, ErrConflict)
}

// ReleaseIdempotencyKey unbinds a key whose job could not be enqueued.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, key string) error {
	return s.dapr.DeleteState(observability.OutgoingContext(ctx), s.store, contract.IdempotencyKey(key), nil)
}

// InsertEffect inserts a job's effect marker unless it exists, and reports
// whether this call inserted it. The marker is the job's committed effect:
// a single-key first-write insert, atomic on any Redis topology, so it is
// written exactly once whatever deliveries of the job interleave. The
// record is brought in line afterwards (Update, or the consumer's settle
// after a crash or a lost race).
//
// It is deliberately not one state transaction with the record: Dapr's
// Redis store (components-contrib v1.16 state/redis Multi) neither rolls a
// transaction back when one operation's guard fails nor passes the
// first-write flag inside a transaction, so a transactional insert
// silently overwrites a marker that an earlier transaction wrote.
func (s *Store) InsertEffect(ctx context.Context, id string, effect any) (bool, error) {
	err := s.put(ctx, contract.EffectKey(id), effect, "")
	if errors.Is(err, ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

// Got is a record read by GetMany, with its ETag; Rec is nil when the job
// has no record.
type Got struct {
	Rec  *contract.Record
	ETag string
}

// GetMany reads the records of ids in one call to the sidecar.
func (s *Store) GetMany(ctx context.Context, ids []string) (map[string]Got, error) {
	items, err := sidecar.GetMany(ctx, s.dapr, s.store, keysOf(ids, contract.RecordKey))
	if err != nil {
		return nil, err
	}
	out := make(map[string]Got, len(ids))
	for _, id := range ids {
		it, ok := items[contract.RecordKey(id)]
		if !ok {
			out[id] = Got{}
			continue
		}
		var r contract.Record
		if err := json.Unmarshal(it.Value, &r); err != nil {
			return nil, fmt.Errorf("decode record %s: %w", id, err)
		}
		out[id] = Got{Rec: &r, ETag: it.ETag}
	}
	return out, nil
}

// SaveMany writes records in one call to the sidecar, each guarded as
// Insert (empty etag) or Update (its etag) guards it. The writes are
// independent: an error means at least one was not written.
func (s *Store) SaveMany(ctx context.Context, recs []*contract.Record, etags []string) error {
	puts := make([]sidecar.Put, len(recs))
	for i, r := range recs {
		puts[i] = sidecar.Put{Key: contract.RecordKey(r.ID), Value: r, ETag: etags[i]}
	}
	return s.putMany(ctx, puts)
}

// InsertEffects inserts the effect markers of several jobs (ids[i] gets
// effects[i]) in one call, each a first-write insert as in InsertEffect.
// An error means at least one marker was not inserted by this call, not
// which: Effects reads them back.
func (s *Store) InsertEffects(ctx context.Context, ids []string, effects []any) error {
	puts := make([]sidecar.Put, len(ids))
	for i, id := range ids {
		puts[i] = sidecar.Put{Key: contract.EffectKey(id), Value: effects[i]}
	}
	return s.putMany(ctx, puts)
}

// Effects reads the effect markers of ids in one call: id → marker JSON,
// for the jobs that have one.
func (s *Store) Effects(ctx context.Context, ids []string) (map[string]json.RawMessage, error) {
	items, err := sidecar.GetMany(ctx, s.dapr, s.store, keysOf(ids, contract.EffectKey))
	if err != nil {
		return nil, err
	}
	out := make(map[string]json.RawMessage, len(items))
	for _, id := range ids {
		if it, ok := items[contract.EffectKey(id)]; ok {
			out[id] = it.Value
		}
	}
	return out, nil
}

func keysOf(ids []string, key func(string) string) []string {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = key(id)
	}
	return keys
}

// Effect returns the effect marker of a job, if its effects were committed.
func (s *Store) Effect(ctx context.Context, id string, v any) (bool, error) {
	_, found, err := s.getJSON(ctx, contract.EffectKey(id), v)
	return found, err
}

// AddDeadLetter appends id to the dead-letter index.
func (s *Store) AddDeadLetter(ctx context.Context, id string) error {
	for range 20 {
		var idx contract.DeadLetterIndex
		etag, _, err := s.getJSON(ctx, contract.DeadLetterIndexKey, &idx)
		if err != nil {
			return err
		}
		if slices.Contains(idx.IDs, id) {
			return nil
		}
		idx.IDs = append(idx.IDs, id)
		if err := s.put(ctx, contract.DeadLetterIndexKey, idx, etag); !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("dead-letter index: %w", ErrConflict)
}

// DeadLetters returns the dead-lettered records, oldest first.
func (s *Store) DeadLetters(ctx context.Context) ([]contract.Record, error) {
	var idx contract.DeadLetterIndex
	if _, _, err := s.getJSON(ctx, contract.DeadLetterIndexKey, &idx); err != nil {
		return nil, err
	}
	if len(idx.IDs) == 0 {
		return []contract.Record{}, nil
	}
	keys := make([]string, len(idx.IDs))
	for i, id := range idx.IDs {
		keys[i] = contract.RecordKey(id)
	}
	items, err := s.dapr.GetBulkState(observability.OutgoingContext(ctx), s.store, keys, nil, 16)
	if err != nil {
		return nil, err
	}
	byKey := map[string][]byte{}
	for _, it := range items {
		byKey[it.Key] = it.Value
	}
	out := make([]contract.Record, 0, len(keys))
	for _, k := range keys {
		var r contract.Record
		if raw := byKey[k]; len(raw) > 0 && json.Unmarshal(raw, &r) == nil && r.Status == contract.StatusDeadLettered {
			out = append(out, r)
		}
	}
	return out, nil
}

// RemoveDeadLetter drops id from the dead-letter index.
func (s *Store) RemoveDeadLetter(ctx context.Context, id string) error {
	for range 10 {
		var idx contract.DeadLetterIndex
		etag, found, err := s.getJSON(ctx, contract.DeadLetterIndexKey, &idx)
		if err != nil || !found {
			return err
		}
		kept := idx.IDs[:0]
		for _, x := range idx.IDs {
			if x != id {
				kept = append(kept, x)
			}
		}
		idx.IDs = kept
		if err := s.put(ctx, contract.DeadLetterIndexKey, idx, etag); !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("dead-letter index: %w", ErrConflict)
}

func (s *Store) getJSON(ctx context.Context, key string, v any) (etag string, found bool, err error) {
	return sidecar.GetJSON(ctx, s.dapr, s.store, key, v)
}

func (s *Store) putMany(ctx context.Context, puts []sidecar.Put) error {
	return sidecar.PutManyJSON(ctx, s.dapr, s.store, puts, map[string]string{"contentType": "application/json"})
}

// put writes with first-write concurrency: an empty etag inserts only if
// the key is absent, a non-empty one updates only if it still matches.
func (s *Store) put(ctx context.Context, key string, v any, etag string) error {
	return sidecar.PutJSON(ctx, s.dapr, s.store, key, v, etag, map[string]string{"contentType": "application/json"})
}
