package banner

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/airdisplay/platform/services/contracts/banners"
)

// fakeSidecar is the part of the Dapr client a banner uses, over an in-memory
// store with Redis-like ETags (a version per key). beforeSave, if set, runs
// once before the next save: a concurrent writer.
type fakeSidecar struct {
	dapr.Client // anything else panics: the actor must not call it
	mu          sync.Mutex
	values      map[string][]byte
	versions    map[string]int
	events      []banners.Event
	reminders   map[string]string // reminder name -> due time
	beforeSave  func()
}

func newFakeSidecar() *fakeSidecar {
	return &fakeSidecar{values: map[string][]byte{}, versions: map[string]int{}, reminders: map[string]string{}}
}

func (s *fakeSidecar) GetState(_ context.Context, _, key string, _ map[string]string) (*dapr.StateItem, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.values[key]; !ok {
		return &dapr.StateItem{Key: key}, nil
	}
	return &dapr.StateItem{Key: key, Value: s.values[key], Etag: strconv.Itoa(s.versions[key])}, nil
}

func (s *fakeSidecar) SaveBulkState(_ context.Context, _ string, items ...*dapr.SetStateItem) error {
	if f := s.beforeSave; f != nil {
		s.beforeSave = nil
		f()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range items {
		want := "0"
		if it.Etag != nil {
			want = it.Etag.Value
		}
		if strconv.Itoa(s.versions[it.Key]) != want {
			return status.Error(codes.Aborted, "possible etag mismatch")
		}
		s.values[it.Key], s.versions[it.Key] = it.Value, s.versions[it.Key]+1
	}
	return nil
}

func (s *fakeSidecar) SaveState(_ context.Context, _, key string, data []byte, _ map[string]string, _ ...dapr.StateOption) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[key], s.versions[key] = data, s.versions[key]+1
	return nil
}

func (s *fakeSidecar) PublishEvent(_ context.Context, _, _ string, data any, _ ...dapr.PublishEventOption) error {
	var ev banners.Event
	if err := json.Unmarshal(data.([]byte), &ev); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, ev)
	return nil
}

func (s *fakeSidecar) RegisterActorReminder(_ context.Context, r *dapr.RegisterActorReminderRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reminders[r.Name] = r.DueTime
	return nil
}

func (s *fakeSidecar) UnregisterActorReminder(_ context.Context, r *dapr.UnregisterActorReminderRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.reminders, r.Name)
	return nil
}

// newActor is banner "b1" on the sidecar, registered, at a fixed clock.
func newActor(t *testing.T, sc *fakeSidecar, now *time.Time) *Actor {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := &Deps{
		Dapr: sc, StateStore: "statestore", PubSub: "pubsub", Display: time.Minute, MaxQueue: 3, HistorySize: 10,
		Index: NewIndex(sc, "statestore", 100), Log: log, Now: func() time.Time { return *now },
		Metrics: NewMetrics(prometheus.NewRegistry()),
	}
	a := &Actor{d: d}
	a.SetID("b1")
	if _, err := a.Register(context.Background(), banners.Registration{Name: "B1"}); err != nil {
		t.Fatal(err)
	}
	return a
}

// Another activation (or a late write) shows a message between this
// turn's read and its write: the write is refused, the turn re-runs on
// the stored state and refuses its own message instead of showing it over.
func TestATurnThatLosesTheRaceReRunsOnTheStoredState(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	sc := newFakeSidecar()
	a := newActor(t, sc, &now)
	other := newActor(t, sc, &now) // a second activation of the same banner

	sc.beforeSave = func() {
		if _, err := other.PostMessage(context.Background(), banners.Post{ID: "m-other", Text: "other"}); err != nil {
			t.Errorf("the other activation's post: %v", err)
		}
	}
	res, err := a.PostMessage(context.Background(), banners.Post{ID: "m-mine", Text: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != banners.OutcomeConflict {
		t.Fatalf("outcome %q, want %q: the message that showed first must stay", res.Outcome, banners.OutcomeConflict)
	}
	v, err := a.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v.Current == nil || v.Current.ID != "m-other" {
		t.Fatalf("banner shows %+v, want m-other", v.Current)
	}
	for _, ev := range sc.events {
		if ev.Banner.Current != nil && ev.Banner.Current.ID == "m-mine" {
			t.Errorf("an event announced the refused write: %+v", ev)
		}
	}
}

// Expiry: the reminder takes the message down at expiresAt, the queued
// one shows from that moment, and the reminder follows it; with nothing
// left, the reminder is removed.
func TestReminderAdvancesTheQueue(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	sc := newFakeSidecar()
	a := newActor(t, sc, &now)
	ctx := context.Background()
	if _, err := a.PostMessage(ctx, banners.Post{ID: "m1", Text: "one"}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(10 * time.Second)
	res, err := a.PostMessage(ctx, banners.Post{ID: "m2", Text: "two", Queue: true})
	if err != nil || res.Outcome != banners.OutcomeQueued {
		t.Fatalf("queue m2: %+v %v", res, err)
	}
	if sc.reminders[expireName] == "" {
		t.Fatal("no expiry reminder after the first message showed")
	}

	now = now.Add(55 * time.Second) // 5 s after m1's expiresAt
	a.ReminderCall(expireName, nil, "", "")
	v, _ := a.Get(ctx)
	if v.Current == nil || v.Current.ID != "m2" || len(v.History) != 1 || v.History[0].ID != "m1" {
		t.Fatalf("after the reminder: current %+v, history %+v", v.Current, v.History)
	}
	if want := time.Date(2026, 11, 25, 12, 1, 0, 0, time.UTC); !v.Current.ShownAt.Equal(want) {
		t.Errorf("m2 shown at %s, want at m1's expiry %s", v.Current.ShownAt, want)
	}
	if due := sc.reminders[expireName]; due != "55s" {
		t.Errorf("reminder due in %q, want 55s (m2's expiry)", due)
	}

	now = now.Add(time.Minute)
	a.ReminderCall(expireName, nil, "", "")
	if _, ok := sc.reminders[expireName]; ok {
		t.Error("reminder still registered with nothing on show")
	}
	var changes []string
	for _, ev := range sc.events {
		changes = append(changes, ev.Change)
	}
	want := []string{"registered", "shown", "queued", "expired", "expired"}
	if len(changes) != len(want) {
		t.Fatalf("events %v, want %v", changes, want)
	}
	for i := range want {
		if changes[i] != want[i] {
			t.Fatalf("events %v, want %v", changes, want)
		}
	}
}
