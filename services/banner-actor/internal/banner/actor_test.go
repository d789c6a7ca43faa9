package banner

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/airdisplay/platform/services/contracts/banners"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
)

// newActor is banner "b1" on the sidecar, registered, at a fixed clock.
func newActor(t *testing.T, sc *daprtest.Sidecar, now *time.Time) *Actor {
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
	sc := daprtest.New()
	a := newActor(t, sc, &now)
	other := newActor(t, sc, &now) // a second activation of the same banner

	sc.BeforeWrite = func() {
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
	for _, ev := range events(t, sc) {
		if ev.Banner.Current != nil && ev.Banner.Current.ID == "m-mine" {
			t.Errorf("an event announced the refused write: %+v", ev)
		}
	}
}

// Expiry: the reminder (or the timer beside it) takes the message down at
// expiresAt, the queued one shows from that moment, and both triggers
// follow it; with nothing left, both are removed.
func TestReminderAdvancesTheQueue(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	sc := daprtest.New()
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
	if sc.Reminder(banners.ActorType, "b1", expireName) == nil {
		t.Fatal("no expiry reminder after the first message showed")
	}
	if tm := sc.Timer(banners.ActorType, "b1", expireName); tm == nil || tm.CallBack != "Expire" || tm.DueTime != "1m0s" {
		t.Fatalf("expiry timer %+v, want one calling Expire in 1m0s", tm)
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
	if r := sc.Reminder(banners.ActorType, "b1", expireName); r == nil || r.DueTime != "55s" {
		t.Errorf("reminder %+v, want one due in 55s (m2's expiry)", r)
	}

	// The timer does the same when it fires first (scheduler away); the
	// reminder, firing after it, finds nothing due.
	now = now.Add(time.Minute)
	if err := a.Expire(ctx); err != nil {
		t.Fatal(err)
	}
	a.ReminderCall(expireName, nil, "", "")
	if sc.Reminder(banners.ActorType, "b1", expireName) != nil || sc.Timer(banners.ActorType, "b1", expireName) != nil {
		t.Error("reminder or timer still registered with nothing on show")
	}
	var changes []string
	for _, ev := range events(t, sc) {
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

func events(t *testing.T, sc *daprtest.Sidecar) []banners.Event {
	t.Helper()
	var out []banners.Event
	for _, e := range sc.Events() {
		var ev banners.Event
		if err := json.Unmarshal(e.Data, &ev); err != nil {
			t.Fatalf("event %s: %v", e.Data, err)
		}
		out = append(out, ev)
	}
	return out
}

// With the scheduler away, a message still shows (its timer is armed) and
// the post does not fail; the timer's next run registers the reminder once
// the scheduler is back, so expiry is durable again.
func TestATimerReArmsAReminderThatFailedToRegister(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	sc := daprtest.New()
	a := newActor(t, sc, &now)
	ctx := context.Background()

	sc.SchedulerDown = true
	res, err := a.PostMessage(ctx, banners.Post{ID: "m1", Text: "one"})
	if err != nil || res.Outcome != banners.OutcomeShown {
		t.Fatalf("post with the scheduler away: %+v %v", res, err)
	}
	if sc.Timer(banners.ActorType, "b1", expireName) == nil {
		t.Fatal("no expiry timer while the scheduler is away")
	}
	if sc.Reminder(banners.ActorType, "b1", expireName) != nil {
		t.Fatal("a reminder registered although the scheduler was away")
	}

	sc.SchedulerDown = false
	now = now.Add(5 * time.Second) // the timer's period, before expiry
	if err := a.Expire(ctx); err != nil {
		t.Fatal(err)
	}
	if r := sc.Reminder(banners.ActorType, "b1", expireName); r == nil || r.DueTime != "55s" {
		t.Fatalf("reminder after the timer ran: %+v, want one due in 55s", r)
	}
	if v, _ := a.Get(ctx); v.Current == nil || v.Current.ID != "m1" {
		t.Fatalf("the timer's early run changed what shows: %+v", v.Current)
	}
}
