package banner

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/airdisplay/platform/services/contracts/banners"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
)

// newActor is banner "b1" on the sidecar, registered, at a fixed clock.
func newActor(t *testing.T, sc *daprtest.Sidecar, now *time.Time) *Actor {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := &Deps{
		Dapr: sc, StateStore: "statestore", Events: NewEvents(sc, "pubsub", 16, log, prometheus.NewRegistry()), Display: time.Minute, MaxQueue: 3, HistorySize: 10,
		Index: NewIndex(sc, "statestore", 100), Log: log, Now: func() time.Time { return *now },
		Metrics: NewMetrics(prometheus.NewRegistry()),
	}
	a := New(d, "b1")
	if _, err := a.Register(context.Background(), banners.Registration{Name: "B1"}); err != nil {
		t.Fatal(err)
	}
	return a
}

// Another activation (or a late write) shows a message between this
// turn's read and its write: the write is refused, the turn re-runs on
// the stored state and refuses its own message instead of showing it over.
func TestATurnThatLosesTheRaceReRunsOnTheStoredState(t *testing.T) {
	t.Parallel()
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

// stillBanner is newActor on a sidecar of its own, at a clock that never
// moves: for tests of turns, not of time.
func stillBanner(t *testing.T) (*Actor, *daprtest.Sidecar) {
	t.Helper()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	sc := daprtest.New()
	return newActor(t, sc, &now), sc
}

// A turn starts from what the activation's last turn stored, without
// reading it again: a post after a post reads nothing.
func TestATurnStartsFromWhatTheLastTurnStored(t *testing.T) {
	t.Parallel()
	a, sc := stillBanner(t)
	ctx := context.Background()
	reads := sc.Reads("statestore", stateKey("b1"))
	for i, id := range []string{"m1", "m2", "m3"} {
		res, err := a.PostMessage(ctx, banners.Post{ID: id, Text: id, Queue: i > 0})
		if err != nil || (res.Outcome != banners.OutcomeShown && res.Outcome != banners.OutcomeQueued) {
			t.Fatalf("post %s: %+v %v", id, res, err)
		}
	}
	if n := sc.Reads("statestore", stateKey("b1")) - reads; n != 0 {
		t.Fatalf("three posts read the banner %d times, want 0", n)
	}
	if s := stored(t, sc); s.Current == nil || s.Current.ID != "m1" || len(s.Queue) != 2 {
		t.Fatalf("stored: current %+v, queue %+v", s.Current, s.Queue)
	}
}

// A refusal is decided on the stored state, not on the activation's copy:
// another activation took the message down meanwhile, so the post shows.
func TestARefusalIsDecidedOnTheStoredState(t *testing.T) {
	t.Parallel()
	a, _ := stillBanner(t)
	ctx := context.Background()
	if res, err := a.PostMessage(ctx, banners.Post{ID: "m1", Text: "one"}); err != nil || res.Outcome != banners.OutcomeShown {
		t.Fatalf("post m1: %+v %v", res, err)
	}
	other := New(a.d, "b1") // a second activation of the same banner
	if _, err := other.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := a.PostMessage(ctx, banners.Post{ID: "m2", Text: "two"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != banners.OutcomeShown {
		t.Fatalf("outcome %q (%s), want %q: the banner was free", res.Outcome, res.Reason, banners.OutcomeShown)
	}
}

// stored is the banner's state as saved in the state store: what a test
// checks right after a trigger, without a read that could change it.
func stored(t *testing.T, sc *daprtest.Sidecar) state {
	t.Helper()
	it, err := sc.GetState(context.Background(), "statestore", stateKey("b1"), nil)
	if err != nil || len(it.Value) == 0 {
		t.Fatalf("no stored banner: %v", err)
	}
	var s state
	if err := json.Unmarshal(it.Value, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// Expiry: the reminder alone takes the message down, noting when that
// really happened and how late; the queued one shows from that moment for
// its full display time, and both triggers follow it. The stored state is
// checked right after the reminder, before any read.
func TestReminderAdvancesTheQueue(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	now := start
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
	if r := sc.Reminder(banners.ActorType, "b1", expireName); r == nil || r.DueTime != "1m0s" || r.Period != "1s" {
		t.Fatalf("expiry reminder %+v, want one due in 1m0s repeating every 1s", r)
	}
	if tm := sc.Timer(banners.ActorType, "b1", expireName); tm == nil || tm.CallBack != "ExpiryDue" || tm.DueTime != "1m0s" || tm.Period != "1s" {
		t.Fatalf("expiry timer %+v, want one calling ExpiryDue in 1m0s, every 1s", tm)
	}

	now = start.Add(65 * time.Second) // 5 s after m1's expiresAt
	must(t, a.Expire(ctx))            // as the reminder's kick does
	s := stored(t, sc)
	if s.Current == nil || s.Current.ID != "m2" || len(s.History) != 1 || s.History[0].ID != "m1" {
		t.Fatalf("stored after the reminder: current %+v, history %+v", s.Current, s.History)
	}
	m1 := s.History[0]
	if m1.ExpiredAt == nil || !m1.ExpiredAt.Equal(now) || m1.ExpiryDelaySeconds == nil || *m1.ExpiryDelaySeconds != 5 {
		t.Errorf("m1 expired at %v, %v s late; want at %s, 5 s late", m1.ExpiredAt, m1.ExpiryDelaySeconds, now)
	}
	if !s.Current.ShownAt.Equal(now) || !s.Current.ExpiresAt.Equal(now.Add(time.Minute)) {
		t.Errorf("m2 shown %s until %s, want from when it appeared (%s) for its full minute", s.Current.ShownAt, s.Current.ExpiresAt, now)
	}
	if r := sc.Reminder(banners.ActorType, "b1", expireName); r == nil || r.DueTime != "1m0s" {
		t.Errorf("reminder %+v, want one due in 1m0s (m2's expiry)", r)
	}
	evs := events(t, sc)
	if last := evs[len(evs)-1]; last.Change != "expired" || len(last.Banner.History) != 1 || last.Banner.History[0].ExpiryDelaySeconds == nil || *last.Banner.History[0].ExpiryDelaySeconds != 5 {
		t.Errorf("last event %+v, want expired showing m1 5 s late", last)
	}

	// The timer does the same when it fires first (scheduler away); the
	// reminder, firing after it, finds nothing due.
	now = now.Add(time.Minute)
	if err := a.Expire(ctx); err != nil {
		t.Fatal(err)
	}
	if s := stored(t, sc); s.Current != nil || len(s.History) != 2 || *s.History[1].ExpiryDelaySeconds != 0 {
		t.Fatalf("stored after the timer: current %+v, history %+v", s.Current, s.History)
	}
	must(t, a.Expire(ctx)) // as the reminder's kick does
	if sc.Reminder(banners.ActorType, "b1", expireName) != nil || sc.Timer(banners.ActorType, "b1", expireName) != nil {
		t.Error("reminder or timer still registered with nothing on show")
	}
	var changes []string
	for _, ev := range events(t, sc) {
		changes = append(changes, ev.Change)
	}
	if want := []string{"registered", "shown", "queued", "expired", "expired"}; !slices.Equal(changes, want) {
		t.Fatalf("events %v, want %v", changes, want)
	}
}

// A read never takes a message down: past expiresAt, with no trigger run,
// Get shows the message still up and nothing is written or announced.
func TestAReadChangesNothing(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	sc := daprtest.New()
	a := newActor(t, sc, &now)
	ctx := context.Background()
	if _, err := a.PostMessage(ctx, banners.Post{ID: "m1", Text: "one"}); err != nil {
		t.Fatal(err)
	}
	before, events := stored(t, sc), len(sc.Events())
	now = now.Add(2 * time.Minute)
	v, err := a.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.Current == nil || v.Current.ID != "m1" || len(v.History) != 0 {
		t.Fatalf("read shows %+v, history %+v: a read took the message down", v.Current, v.History)
	}
	if after := stored(t, sc); after.Version != before.Version || len(sc.Events()) != events {
		t.Fatalf("a read wrote (version %d → %d) or announced (%d → %d events)", before.Version, after.Version, events, len(sc.Events()))
	}
}

// A trigger that fires before the message is due (the reminder's due time
// rounded by the scheduler, or a timer that died with its sidecar) changes
// nothing and arms the timer for the exact time left, so the message does
// not stay up a whole period longer.
func TestAnEarlyTriggerArmsTheTimerForTheTimeLeft(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	sc := daprtest.New()
	a := newActor(t, sc, &now)
	ctx := context.Background()
	if _, err := a.PostMessage(ctx, banners.Post{ID: "m1", Text: "one"}); err != nil {
		t.Fatal(err)
	}
	version := stored(t, sc).Version
	now = now.Add(59*time.Second + 600*time.Millisecond)
	must(t, a.Expire(ctx)) // as the reminder's kick does
	if s := stored(t, sc); s.Version != version || s.Current == nil || s.Current.ID != "m1" {
		t.Fatalf("an early trigger changed the banner: %+v", s)
	}
	if tm := sc.Timer(banners.ActorType, "b1", expireName); tm == nil || tm.DueTime != "400ms" {
		t.Fatalf("timer %+v, want one due in the 400ms left", tm)
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
// the post does not fail; the timer runs within reminderRetry and
// registers the reminder once the scheduler is back, so expiry is durable
// again well before the message is due.
func TestATimerReArmsAReminderThatFailedToRegister(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	sc := daprtest.New()
	a := newActor(t, sc, &now)
	ctx := context.Background()

	sc.SchedulerDown = true
	res, err := a.PostMessage(ctx, banners.Post{ID: "m1", Text: "one"})
	if err != nil || res.Outcome != banners.OutcomeShown {
		t.Fatalf("post with the scheduler away: %+v %v", res, err)
	}
	if tm := sc.Timer(banners.ActorType, "b1", expireName); tm == nil || tm.DueTime != "2s" {
		t.Fatalf("expiry timer %+v while the scheduler is away, want one due in 2s to retry the reminder", tm)
	}
	if sc.Reminder(banners.ActorType, "b1", expireName) != nil {
		t.Fatal("a reminder registered although the scheduler was away")
	}

	sc.SchedulerDown = false
	now = now.Add(2 * time.Second)
	if err := a.Expire(ctx); err != nil {
		t.Fatal(err)
	}
	if r := sc.Reminder(banners.ActorType, "b1", expireName); r == nil || r.DueTime != "58s" {
		t.Fatalf("reminder after the timer ran: %+v, want one due in 58s", r)
	}
	if tm := sc.Timer(banners.ActorType, "b1", expireName); tm == nil || tm.DueTime != "58s" {
		t.Fatalf("timer after the reminder is back: %+v, want one due at expiry (58s)", tm)
	}
	if s := stored(t, sc); s.Current == nil || s.Current.ID != "m1" {
		t.Fatalf("the timer's early run changed what shows: %+v", s.Current)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Both triggers only start an Expire turn through the sidecar and return
// at once, even while that turn cannot finish (daprd runs a sidecar's
// timers one after another: a waiting callback would hold back every
// banner's expiry). Triggers while a turn is on its way start no second
// in parallel, but one more right after it: that turn may have re-armed
// the timer for now.
func TestTriggersKickAnExpireTurnWithoutWaiting(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	sc := daprtest.New()
	a := newActor(t, sc, &now)
	calls := make(chan *dapr.InvokeActorRequest, 10)
	release := make(chan struct{})
	sc.Actor = func(_ context.Context, req *dapr.InvokeActorRequest) (*dapr.InvokeActorResponse, error) {
		calls <- req
		<-release // the turn cannot finish: state store away
		return &dapr.InvokeActorResponse{}, nil
	}
	returned := make(chan struct{})
	go func() {
		_ = a.ExpiryDue(context.Background())
		_ = a.Reminder(context.Background(), expireName, nil)
		_ = a.ExpiryDue(context.Background())
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("a trigger waited for the Expire turn")
	}
	req := <-calls
	if req.ActorType != banners.ActorType || req.ActorID != "b1" || req.Method != "Expire" {
		t.Fatalf("kicked %+v, want Banner/b1 Expire", req)
	}
	select {
	case extra := <-calls:
		t.Fatalf("a second turn %+v started while the first was on its way", extra)
	case <-time.After(100 * time.Millisecond):
	}
	release <- struct{}{}
	select {
	case <-calls: // the one more, for the triggers that came meanwhile
	case <-time.After(5 * time.Second):
		t.Fatal("triggers during a turn started none after it")
	}
	close(release)
	select {
	case extra := <-calls:
		t.Fatalf("a third turn %+v for triggers already served", extra)
	case <-time.After(100 * time.Millisecond):
	}
}

// Invoke is the actor's interface as daprd calls it: JSON in, JSON out, by
// method name; a method it does not have, or an argument that is not
// JSON, is an error rather than a silent empty answer.
func TestInvokeDispatchesByMethodName(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	sc := daprtest.New()
	a := newActor(t, sc, &now)
	ctx := context.Background()
	out, err := a.Invoke(ctx, "PostMessage", []byte(`{"text":"hello"}`))
	var res banners.PostResult
	if err != nil || json.Unmarshal(out, &res) != nil || res.Outcome != banners.OutcomeShown {
		t.Fatalf("PostMessage: %s, %v; want a shown message", out, err)
	}
	out, err = a.Invoke(ctx, "Get", nil)
	var v banners.View
	if err != nil || json.Unmarshal(out, &v) != nil || v.Current == nil || v.Current.Text != "hello" {
		t.Errorf("Get: %s, %v; want the message shown", out, err)
	}
	if _, err := a.Invoke(ctx, "Explode", nil); !errors.Is(err, ErrNoMethod) {
		t.Errorf("an unknown method: %v, want ErrNoMethod", err)
	}
	if _, err := a.Invoke(ctx, "PostMessage", []byte(`{"text":`)); err == nil {
		t.Error("an argument that is not JSON was accepted")
	}
	if err := a.Timer(ctx, "Other", nil); !errors.Is(err, ErrNoMethod) {
		t.Errorf("an unknown timer callback: %v, want ErrNoMethod", err)
	}
}
