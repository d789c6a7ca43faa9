// Package daprtest is an in-memory stand-in for the Dapr sidecar, for the
// unit tests and fuzz targets that must run thousands of requests a second
// in process; integration tests use real daprd. Its state store follows
// the ETag rules the services rely on (a version per key; first-write
// inserts only when absent; an ETag must match). Every client method it
// does not implement panics, so a test notices new dependencies.
package daprtest

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"

	dapr "github.com/dapr/go-sdk/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Sidecar implements the state, pub/sub and actor calls of
// dapr.Client in memory.
type Sidecar struct {
	dapr.Client // unimplemented methods panic (nil interface)

	// Actor answers InvokeActor; nil answers every call with an error.
	Actor func(ctx context.Context, req *dapr.InvokeActorRequest) (*dapr.InvokeActorResponse, error)
	// BeforeWrite, if set, runs once before the next state write: a
	// concurrent writer.
	BeforeWrite func()
	// SchedulerDown makes reminder calls fail, as while the Dapr scheduler
	// is away.
	SchedulerDown bool
	// PubSubDown makes publishes fail, as while the broker is away; it may
	// change while other goroutines publish.
	PubSubDown atomic.Bool

	mu        sync.Mutex
	values    map[string][]byte
	versions  map[string]int
	reads     map[string]int
	events    []Event
	reminders map[string]*dapr.RegisterActorReminderRequest
	timers    map[string]*dapr.RegisterActorTimerRequest
}

// Secrets is a secret store holding one secret, whatever its name: each
// entry is a key of the API key set (apikey.SecretGetter).
type Secrets map[string]string

// GetSecret returns the secret.
func (s Secrets) GetSecret(context.Context, string, string, map[string]string) (map[string]string, error) {
	return s, nil
}

// Event is one published message.
type Event struct {
	PubSub, Topic string
	Data          []byte
}

// New returns an empty sidecar.
func New() *Sidecar {
	return &Sidecar{values: map[string][]byte{}, versions: map[string]int{}, reads: map[string]int{}, reminders: map[string]*dapr.RegisterActorReminderRequest{},
		timers: map[string]*dapr.RegisterActorTimerRequest{}}
}

func key(store, k string) string { return store + "||" + k }

// GetState returns the value and its ETag; a missing key has no value.
func (s *Sidecar) GetState(_ context.Context, store, k string, _ map[string]string) (*dapr.StateItem, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads[key(store, k)]++
	v, ok := s.values[key(store, k)]
	if !ok {
		return &dapr.StateItem{Key: k}, nil
	}
	return &dapr.StateItem{Key: k, Value: v, Etag: strconv.Itoa(s.versions[key(store, k)])}, nil
}

// Reads is how many times GetState has read a key.
func (s *Sidecar) Reads(store, k string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads[key(store, k)]
}

// MaxMessage is the largest gRPC message daprd and the SDK take by
// default; a bulk call over it fails with ResourceExhausted, as there.
const MaxMessage = 4 << 20

var errTooLarge = status.Error(codes.ResourceExhausted, "grpc: message larger than max (4194304)")

// GetBulkState returns one item per key.
func (s *Sidecar) GetBulkState(ctx context.Context, store string, keys []string, meta map[string]string, _ int32) ([]*dapr.BulkStateItem, error) {
	out := make([]*dapr.BulkStateItem, 0, len(keys))
	size := 0
	for _, k := range keys {
		it, _ := s.GetState(ctx, store, k, meta)
		out = append(out, &dapr.BulkStateItem{Key: k, Value: it.Value, Etag: it.Etag})
		size += len(k) + len(it.Value)
	}
	if size > MaxMessage {
		return nil, errTooLarge
	}
	return out, nil
}

// SaveState writes without conditions unless an option asks for them.
func (s *Sidecar) SaveState(ctx context.Context, store, k string, data []byte, meta map[string]string, so ...dapr.StateOption) error {
	item := &dapr.SetStateItem{Key: k, Value: data, Metadata: meta}
	if len(so) > 0 {
		item.Options = &dapr.StateOptions{}
		for _, o := range so {
			o(item.Options)
		}
	}
	return s.SaveBulkState(ctx, store, item)
}

// SaveBulkState writes each item on its own, as daprd does: some may be
// written while others fail their guard.
func (s *Sidecar) SaveBulkState(_ context.Context, store string, items ...*dapr.SetStateItem) error {
	size := 0
	for _, it := range items {
		size += len(it.Key) + len(it.Value)
	}
	if size > MaxMessage {
		return errTooLarge
	}
	var errs []error
	for _, it := range items {
		errs = append(errs, s.apply(store, []*dapr.StateOperation{{Type: dapr.StateOperationTypeUpsert, Item: it}}))
	}
	if err := errors.Join(errs...); err != nil {
		return status.Error(codes.Aborted, err.Error())
	}
	return nil
}

// DeleteState removes a key.
func (s *Sidecar) DeleteState(_ context.Context, store, k string, _ map[string]string) error {
	return s.apply(store, []*dapr.StateOperation{{Type: dapr.StateOperationTypeDelete, Item: &dapr.SetStateItem{Key: k}}})
}

func (s *Sidecar) apply(store string, ops []*dapr.StateOperation) error {
	s.mu.Lock()
	f := s.BeforeWrite
	s.BeforeWrite = nil
	s.mu.Unlock()
	if f != nil {
		f()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, op := range ops {
		k := key(store, op.Item.Key)
		_, exists := s.values[k]
		switch {
		case op.Item.Etag != nil && op.Item.Etag.Value != "":
			if !exists || strconv.Itoa(s.versions[k]) != op.Item.Etag.Value {
				return status.Error(codes.Aborted, "possible etag mismatch")
			}
		case op.Item.Options != nil && op.Item.Options.Concurrency == dapr.StateConcurrencyFirstWrite && op.Type == dapr.StateOperationTypeUpsert:
			if exists {
				return status.Error(codes.Aborted, "possible etag mismatch")
			}
		}
	}
	for _, op := range ops {
		k := key(store, op.Item.Key)
		if op.Type == dapr.StateOperationTypeDelete {
			delete(s.values, k)
			s.versions[k]++
			continue
		}
		s.values[k] = op.Item.Value
		s.versions[k]++
	}
	return nil
}

// PublishEvent records the event; data is sent as JSON unless it is bytes.
func (s *Sidecar) PublishEvent(_ context.Context, pubsub, topic string, data any, _ ...dapr.PublishEventOption) error {
	if s.PubSubDown.Load() {
		return status.Error(codes.Unavailable, "pubsub unavailable")
	}
	raw, ok := data.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(data); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, Event{PubSub: pubsub, Topic: topic, Data: raw})
	return nil
}

// Events returns what was published, in order.
func (s *Sidecar) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// PublishEvents records each event (a dapr.PublishEventsEvent's Data, or
// the event as PublishEvent would send it). As daprd does, it refuses the
// whole call when two events share an entry id.
func (s *Sidecar) PublishEvents(ctx context.Context, pubsub, topic string, events []any, _ ...dapr.PublishEventsOption) dapr.PublishEventsResponse {
	seen := map[string]bool{}
	for _, ev := range events {
		if e, ok := ev.(dapr.PublishEventsEvent); ok && e.EntryID != "" {
			if seen[e.EntryID] {
				return dapr.PublishEventsResponse{Error: status.Error(codes.InvalidArgument, "entryId is duplicated: "+e.EntryID), FailedEvents: events}
			}
			seen[e.EntryID] = true
		}
	}
	for _, ev := range events {
		if e, ok := ev.(dapr.PublishEventsEvent); ok {
			ev = e.Data
		}
		if err := s.PublishEvent(ctx, pubsub, topic, ev); err != nil {
			return dapr.PublishEventsResponse{Error: err, FailedEvents: events}
		}
	}
	return dapr.PublishEventsResponse{}
}

// InvokeActor calls Actor.
func (s *Sidecar) InvokeActor(ctx context.Context, req *dapr.InvokeActorRequest) (*dapr.InvokeActorResponse, error) {
	if s.Actor == nil {
		return nil, status.Error(codes.Unavailable, "no actor host")
	}
	return s.Actor(ctx, req)
}

// RegisterActorReminder keeps the reminder, replacing one of the same name.
func (s *Sidecar) RegisterActorReminder(_ context.Context, req *dapr.RegisterActorReminderRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.SchedulerDown {
		return status.Error(codes.Unavailable, "scheduler unavailable")
	}
	s.reminders[req.ActorType+"/"+req.ActorID+"/"+req.Name] = req
	return nil
}

// UnregisterActorReminder removes it; a missing one is fine.
func (s *Sidecar) UnregisterActorReminder(_ context.Context, req *dapr.UnregisterActorReminderRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.SchedulerDown {
		return status.Error(codes.Unavailable, "scheduler unavailable")
	}
	delete(s.reminders, req.ActorType+"/"+req.ActorID+"/"+req.Name)
	return nil
}

// Reminder returns the registered reminder, or nil.
func (s *Sidecar) Reminder(actorType, actorID, name string) *dapr.RegisterActorReminderRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reminders[actorType+"/"+actorID+"/"+name]
}

// RegisterActorTimer keeps the timer, replacing one of the same name.
func (s *Sidecar) RegisterActorTimer(_ context.Context, req *dapr.RegisterActorTimerRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timers[req.ActorType+"/"+req.ActorID+"/"+req.Name] = req
	return nil
}

// UnregisterActorTimer removes it; a missing one is fine.
func (s *Sidecar) UnregisterActorTimer(_ context.Context, req *dapr.UnregisterActorTimerRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.timers, req.ActorType+"/"+req.ActorID+"/"+req.Name)
	return nil
}

// Timer returns the registered timer, or nil.
func (s *Sidecar) Timer(actorType, actorID, name string) *dapr.RegisterActorTimerRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.timers[actorType+"/"+actorID+"/"+name]
}
