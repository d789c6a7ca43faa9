// Package banner is the Banner virtual actor: one per physical banner. A
// banner shows one message for the display duration; a message posted
// meanwhile is refused or, if asked, queued, never overwriting what shows.
// Expiry and queue advance are driven by a durable actor reminder (kept by
// the Dapr scheduler), with an actor timer beside it that keeps expiry on
// time while the scheduler is away.
//
// A banner's state is written once per turn, at its end, with the ETag it
// was read with, so a stale or concurrent write fails with a conflict and
// the turn is re-run on fresh state. The activation keeps what its last
// turn stored, with the ETag the store gave it, and the next turn starts
// from that copy rather than read it again: a copy gone stale (an
// activation that outlived its sidecar, a turn whose caller gave up
// mid-save) can only lead to a refused write, and a turn that would write
// nothing is decided on a fresh read. Actor state (the go-sdk state
// manager) is not used: it has no ETag to refuse a stale write.
package banner

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/airdisplay/platform/services/contracts/banners"
	"github.com/airdisplay/platform/services/daprapp/sidecar"
)

const (
	expireName   = "expire"
	seenIDsLimit = 256
	// A turn that keeps meeting concurrent writes gives up after this
	// many attempts; the caller sees the error and may retry.
	turnAttempts = 5
)

func stateKey(id string) string { return "banner/" + id }

// Deps are shared by every activation: one Dapr client for the process.
type Deps struct {
	Dapr        dapr.Client
	StateStore  string        // state store of each banner's state (the actor state store)
	Events      *Events       // publishes banner-updated events, retrying failed ones
	Display     time.Duration // how long a message shows
	MaxQueue    int           // pending messages per banner
	HistorySize int           // expired messages kept
	Index       *Index        // registry of banner ids, for listing
	Log         *slog.Logger
	Now         func() time.Time
	Metrics     *Metrics

	// Until this time (unix ns), a turn does not wait on the scheduler to
	// register a reminder: one just failed. The timers retry meanwhile.
	schedulerAwayUntil atomic.Int64
}

// Metrics of the actor.
type Metrics struct {
	Posts       *prometheus.CounterVec
	Expired     prometheus.Counter
	Late        prometheus.Histogram
	Activations prometheus.Counter
}

// NewMetrics registers the actor's metrics.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "banner_posts_total", Help: "Messages posted to banners, by outcome.",
		}, []string{"outcome"}),
		Expired: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "banner_messages_expired_total", Help: "Messages taken down at the end of their display time.",
		}),
		Late: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "banner_expiry_delay_seconds", Help: "How late an expiry ran after expiresAt.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30},
		}),
		Activations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "banner_activations_total", Help: "Banner actors activated in this process.",
		}),
	}
	reg.MustRegister(m.Posts, m.Expired, m.Late, m.Activations)
	return m
}

// New activates banner id. An activation holds no state of its own
// beyond the expiry bookkeeping below: a million of them cost little.
func New(d *Deps, id string) *Actor {
	d.Metrics.Activations.Inc()
	return &Actor{d: d, id: id}
}

// state is everything a banner keeps, under one actor state key.
type state struct {
	Registered bool              `json:"registered"`
	Name       string            `json:"name"`
	Location   string            `json:"location,omitempty"`
	Current    *banners.Message  `json:"current,omitempty"`
	Queue      []banners.Message `json:"queue,omitempty"`
	History    []banners.Message `json:"history,omitempty"`
	Version    int64             `json:"version"`
	SeenIDs    []string          `json:"seenIds,omitempty"` // recent message ids, for idempotent posts
	Indexed    bool              `json:"indexed,omitempty"` // listed in the banner index

	etag    string          // as read; the write must match it
	changes []banners.Event // made in this turn, published once saved
	lateBy  []time.Duration // how late each expiry of this turn ran
}

// Actor is one banner.
type Actor struct {
	d  *Deps
	id string
	// armed is the message the expiry reminder was last registered for by
	// this activation; the timer re-registers it when it is not current.
	armed string
	// kicks: while a kicked Expire turn is on its way (kicking), a trigger
	// asks for one more after it (kickAgain).
	kickMu    sync.Mutex
	kicking   bool
	kickAgain bool
	// stored is the state as this activation's last turn wrote it, with
	// the ETag the store gave it; nil when unknown. Atomic: a turn whose
	// caller gave up may still be finishing when daprd starts the next.
	stored atomic.Pointer[state]
}

// ID is the banner's id.
func (a *Actor) ID() string { return a.id }

// Invoke runs the method daprd was asked to call with its JSON argument and
// returns its JSON answer: the actor's whole interface, as the REST API and
// the expiry kick call it.
func (a *Actor) Invoke(ctx context.Context, method string, arg []byte) ([]byte, error) {
	switch method {
	case "Register":
		var r banners.Registration
		if err := json.Unmarshal(arg, &r); err != nil {
			return nil, fmt.Errorf("Register: %w", err)
		}
		return answer(a.Register(ctx, r))
	case "Get":
		return answer(a.Get(ctx))
	case "PostMessage":
		var p banners.Post
		if err := json.Unmarshal(arg, &p); err != nil {
			return nil, fmt.Errorf("PostMessage: %w", err)
		}
		return answer(a.PostMessage(ctx, p))
	case "Clear":
		return answer(a.Clear(ctx))
	case "Expire":
		return nil, a.Expire(ctx)
	}
	return nil, fmt.Errorf("%w: %s", ErrNoMethod, method)
}

// ErrNoMethod is a call of a method the Banner actor does not have.
var ErrNoMethod = errors.New("no such Banner method")

func answer[T any](v *T, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// Timer runs the callback of an actor timer: ExpiryDue is the only one.
func (a *Actor) Timer(ctx context.Context, callback string, _ []byte) error {
	if callback != "ExpiryDue" {
		return fmt.Errorf("%w: timer callback %s", ErrNoMethod, callback)
	}
	return a.ExpiryDue(ctx)
}

func (a *Actor) load(ctx context.Context) (*state, error) {
	var s state
	etag, _, err := sidecar.GetJSON(ctx, a.d.Dapr, a.d.StateStore, stateKey(a.ID()), &s)
	if err != nil {
		return nil, fmt.Errorf("load banner %s: %w", a.ID(), err)
	}
	s.etag = etag
	return &s, nil
}

// update runs one turn: load the state, apply fn, save what fn changed,
// then announce it and re-arm the expiry reminder if the message on show
// changed. A conflicting write (a stale activation, a late write from a
// turn whose caller gave up) re-runs fn on fresh state, so fn computes and
// whatever it calls must be idempotent (Register's index add is).
func (a *Actor) update(ctx context.Context, fn func(s *state, now time.Time) error) (*state, error) {
	for attempt := 1; ; attempt++ {
		// Whatever this turn does with the copy, only a write that
		// succeeds puts one back.
		s := a.stored.Swap(nil)
		kept := s != nil
		if !kept {
			var err error
			if s, err = a.load(ctx); err != nil {
				return nil, err
			}
		}
		before := currentID(s)
		now := a.d.Now().UTC()
		if err := fn(s, now); err != nil {
			return nil, err
		}
		if len(s.changes) == 0 {
			if kept {
				// A refusal or a no-op is an answer without a write to
				// check the copy: decide it on what is stored.
				attempt--
				continue
			}
			return s, nil
		}
		err := sidecar.PutJSON(ctx, a.d.Dapr, a.d.StateStore, stateKey(a.ID()), s, s.etag, nil)
		if errors.Is(err, sidecar.ErrConflict) && attempt < turnAttempts {
			a.d.Log.Info("banner changed under this turn; re-running it on fresh state", "banner", a.ID(), "attempt", attempt)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("save banner %s: %w", a.ID(), err)
		}
		// What follows the save is independent: in parallel, so the turn,
		// and the banner's next caller, wait for the slowest, not the sum.
		var wg sync.WaitGroup
		wg.Go(func() { a.announce(ctx, s) })
		if currentID(s) != before {
			wg.Go(func() { a.scheduleExpiry(ctx, s, now, false) })
		}
		wg.Wait()
		a.keep(s)
		return s, nil
	}
}

// keep holds on to the state a turn just stored, for the next turn. The
// Redis state store's ETag is a version that each write bumps by one, so
// the copy's is its read ETag plus one; with a store whose ETags are not
// numbers no copy is kept, and every turn reads.
func (a *Actor) keep(s *state) {
	n, err := strconv.ParseInt(cmp.Or(s.etag, "0"), 10, 64)
	if err != nil {
		return
	}
	s.etag = strconv.FormatInt(n+1, 10)
	a.stored.Store(s)
}

func currentID(s *state) string {
	if s.Current == nil {
		return ""
	}
	return s.Current.ID
}

// record notes a change made in this turn: a new version and its event,
// dated with the turn's clock (so an expired event's time is the
// message's expiredAt and the next one's shownAt).
func (a *Actor) record(s *state, change string, now time.Time) {
	s.Version++
	v := a.view(s)
	// The event keeps this moment's lists, whatever the turn does next.
	v.Queue, v.History = slices.Clone(v.Queue), slices.Clone(v.History)
	s.changes = append(s.changes, banners.Event{
		Type: banners.EventType, BannerID: a.ID(), Version: s.Version, Change: change,
		At: now, Banner: v,
	})
}

// announce publishes the turn's changes, after they are stored: no event
// ever describes a state that was not stored.
func (a *Actor) announce(ctx context.Context, s *state) {
	for _, late := range s.lateBy {
		a.d.Metrics.Expired.Inc()
		a.d.Metrics.Late.Observe(late.Seconds())
	}
	last := s.changes[len(s.changes)-1]
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		if err := a.d.Index.SaveView(ctx, last.Banner); err != nil {
			a.d.Log.Warn("save banner view", "banner", a.ID(), "error", err)
		}
	})
	for _, ev := range s.changes {
		data, _ := json.Marshal(ev)
		a.d.Events.Publish(ctx, a.ID(), ev.Version, data)
	}
	s.changes, s.lateBy = nil, nil
}

func (a *Actor) view(s *state) banners.View {
	v := banners.View{
		ID: a.ID(), Name: s.Name, Location: s.Location, Current: s.Current,
		Queue: s.Queue, History: s.History, Version: s.Version, AvailableAt: a.d.Now().UTC(),
	}
	if v.Queue == nil {
		v.Queue = []banners.Message{}
	}
	if v.History == nil {
		v.History = []banners.Message{}
	}
	v.AvailableAt = availableAt(s, a.d.Now().UTC(), a.d.Display)
	return v
}

// availableAt is when a new message could be shown at once: after the
// current message and every queued one have had their time.
func availableAt(s *state, now time.Time, display time.Duration) time.Time {
	if s.Current == nil || s.Current.ExpiresAt == nil {
		return now
	}
	at := *s.Current.ExpiresAt
	return at.Add(time.Duration(len(s.Queue)) * display)
}

// Register creates or renames the banner.
func (a *Actor) Register(ctx context.Context, r banners.Registration) (*banners.View, error) {
	s, err := a.update(ctx, func(s *state, now time.Time) error {
		if s.Registered && s.Indexed && s.Name == r.Name && s.Location == r.Location {
			return nil
		}
		if !s.Indexed {
			// Indexed is stored with the registration, so a retried PUT
			// after a failure here adds the id again rather than never.
			if err := a.d.Index.Add(ctx, a.ID()); err != nil {
				return err
			}
			s.Indexed = true
		}
		s.Registered, s.Name, s.Location = true, r.Name, r.Location
		a.record(s, "registered", now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	v := a.view(s)
	return &v, nil
}

// Get returns the banner as stored; an unregistered banner has Version 0
// and no name. A read never changes a banner: only the expiry reminder and
// timer take a message down at the end of its time (and a post or clear,
// which write anyway, takes down what they find due). So a read costs no
// write, readers never contend with the banner's writers, and a broken
// reminder cannot hide behind readers: between expiresAt and the expiry
// (normally well under a second) a read shows the message with its
// expiresAt in the past.
func (a *Actor) Get(ctx context.Context) (*banners.View, error) {
	s, err := a.load(ctx)
	if err != nil {
		return nil, err
	}
	v := a.view(s)
	if !s.Registered {
		v.Version = 0
	}
	return &v, nil
}

// PostMessage shows the message if the banner is free, queues it if asked
// and there is room, and otherwise refuses it. It never replaces what shows.
func (a *Actor) PostMessage(ctx context.Context, p banners.Post) (*banners.PostResult, error) {
	var res *banners.PostResult
	s, err := a.update(ctx, func(s *state, now time.Time) error {
		res = a.post(s, p, now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch res.Outcome {
	case banners.OutcomeShown, banners.OutcomeQueued, banners.OutcomeDuplicate:
		v := a.view(s)
		res.View, res.AvailableAt = &v, v.AvailableAt
	}
	a.d.Metrics.Posts.WithLabelValues(res.Outcome).Inc()
	return res, nil
}

func (a *Actor) post(s *state, p banners.Post, now time.Time) *banners.PostResult {
	if !s.Registered {
		return &banners.PostResult{Outcome: banners.OutcomeNotRegistered, AvailableAt: now, Reason: "banner " + a.ID() + " is not registered"}
	}
	// A reminder may be late (host restarting): a post, which writes
	// anyway, takes down what has expired rather than refuse a message
	// for a banner whose time is up.
	a.advance(s, now)
	if p.ID != "" && slices.Contains(s.SeenIDs, p.ID) {
		return &banners.PostResult{Outcome: banners.OutcomeDuplicate, Reason: "message " + p.ID + " was already posted"}
	}
	if p.ID == "" {
		p.ID = fmt.Sprintf("%s-%d-%d", a.ID(), now.UnixNano(), s.Version)
	}
	msg := banners.Message{ID: p.ID, Text: p.Text, Author: p.Author, PostedAt: now}
	switch {
	case s.Current == nil:
		a.show(s, &msg, now)
		a.remember(s, p.ID)
		a.record(s, "shown", now)
		return &banners.PostResult{Outcome: banners.OutcomeShown, Message: s.Current}
	case !p.Queue:
		return &banners.PostResult{Outcome: banners.OutcomeConflict, AvailableAt: availableAt(s, now, a.d.Display),
			Reason: fmt.Sprintf("banner busy: it shows another message until %s", s.Current.ExpiresAt.Format(time.RFC3339))}
	case len(s.Queue) >= a.d.MaxQueue:
		return &banners.PostResult{Outcome: banners.OutcomeQueueFull, AvailableAt: availableAt(s, now, a.d.Display),
			Reason: fmt.Sprintf("queue full: banner %s already holds %d pending messages", a.ID(), a.d.MaxQueue)}
	default:
		s.Queue = append(s.Queue, msg)
		a.remember(s, p.ID)
		a.record(s, "queued", now)
		return &banners.PostResult{Outcome: banners.OutcomeQueued, Message: &msg, Position: len(s.Queue)}
	}
}

func (a *Actor) show(s *state, m *banners.Message, now time.Time) {
	shown, expires := now, now.Add(a.d.Display)
	m.ShownAt, m.ExpiresAt = &shown, &expires
	s.Current = m
}

func (a *Actor) remember(s *state, id string) {
	s.SeenIDs = append(s.SeenIDs, id)
	if len(s.SeenIDs) > seenIDsLimit {
		s.SeenIDs = s.SeenIDs[len(s.SeenIDs)-seenIDsLimit:]
	}
}

// Clear takes the current message down now (operator action); the queue
// advances.
func (a *Actor) Clear(ctx context.Context) (*banners.View, error) {
	s, err := a.update(ctx, func(s *state, now time.Time) error {
		if !s.Registered || s.Current == nil {
			return nil
		}
		cleared := now
		s.Current.ClearedAt = &cleared
		a.retire(s)
		if len(s.Queue) > 0 {
			next := s.Queue[0]
			s.Queue = s.Queue[1:]
			a.show(s, &next, now)
		}
		a.record(s, "cleared", now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	v := a.view(s)
	if !s.Registered {
		v.Version = 0
	}
	return &v, nil
}

func (a *Actor) retire(s *state) {
	s.History = append(s.History, *s.Current)
	s.Current = nil
	if len(s.History) > a.d.HistorySize {
		s.History = s.History[len(s.History)-a.d.HistorySize:]
	}
}

// advance takes down the message whose time is up, noting when that
// really happened and how late it was, and shows the next one from now,
// for its full display time, recording an "expired" change.
func (a *Actor) advance(s *state, now time.Time) {
	if s.Current == nil || s.Current.ExpiresAt == nil || now.Before(*s.Current.ExpiresAt) {
		return
	}
	late := now.Sub(*s.Current.ExpiresAt)
	expired, delay := now, late.Seconds()
	s.Current.ExpiredAt, s.Current.ExpiryDelaySeconds = &expired, &delay
	s.lateBy = append(s.lateBy, late)
	a.retire(s)
	if len(s.Queue) > 0 {
		next := s.Queue[0]
		s.Queue = s.Queue[1:]
		a.show(s, &next, now)
	}
	a.record(s, "expired", now)
}

// schedulerTimeout bounds each reminder call: while the scheduler is away
// (a killed one holds its lease for 20 s) such a call blocks, and with it
// the banner's turn and the timer that would keep expiry on time.
const schedulerTimeout = time.Second

// expiryPeriod is how often the reminder and the timer fire again after
// their due time until a run takes the message down: a run that failed
// (host restarting, state store away) is retried this soon.
const expiryPeriod = time.Second

// reminderRetry is how soon the timer runs, when the reminder could not be
// registered, to register it again: until then expiry lives only in the
// sidecar's memory.
const reminderRetry = 2 * time.Second

// scheduleExpiry arms two triggers for the current message's expiry,
// each replacing its earlier self: the durable reminder kept by the Dapr
// scheduler and a timer in the sidecar's memory. The reminder survives the
// sidecar and the app; the timer keeps expiry on time while the scheduler
// is away. When the reminder could not be registered the timer runs
// within reminderRetry to register it again (expire, retry true), so a
// sidecar that dies soon after still leaves a durable reminder behind.
// Both repeat every expiryPeriod until a run replaces or removes them;
// whichever fires second finds nothing due. For 5 s after a registration
// failed, other turns skip it rather than each wait schedulerTimeout.
func (a *Actor) scheduleExpiry(ctx context.Context, s *state, now time.Time, retry bool) {
	if s.Current == nil || s.Current.ExpiresAt == nil {
		a.unschedule(ctx)
		return
	}
	remaining := max(s.Current.ExpiresAt.Sub(now), 0)
	a.armed = ""
	if retry || a.d.Now().UnixNano() >= a.d.schedulerAwayUntil.Load() {
		rctx, cancel := context.WithTimeout(ctx, schedulerTimeout)
		err := a.d.Dapr.RegisterActorReminder(rctx, &dapr.RegisterActorReminderRequest{
			ActorType: banners.ActorType, ActorID: a.ID(), Name: expireName,
			DueTime: remaining.String(), Period: expiryPeriod.String(),
		})
		cancel()
		if err != nil {
			a.d.schedulerAwayUntil.Store(a.d.Now().Add(5 * time.Second).UnixNano())
			a.d.Log.Warn("register expiry reminder; the timer retries it", "banner", a.ID(), "error", err)
		} else {
			a.armed = s.Current.ID
		}
	}
	// From now, not from before the call: it may have waited up to
	// schedulerTimeout.
	due := max(s.Current.ExpiresAt.Sub(a.d.Now()), 0)
	if a.armed == "" {
		due = min(due, reminderRetry)
	}
	a.armTimer(ctx, due)
}

// armTimer (re)registers the expiry timer to fire after due.
func (a *Actor) armTimer(ctx context.Context, due time.Duration) {
	err := a.d.Dapr.RegisterActorTimer(ctx, &dapr.RegisterActorTimerRequest{
		ActorType: banners.ActorType, ActorID: a.ID(), Name: expireName,
		DueTime: due.String(), Period: expiryPeriod.String(), CallBack: "ExpiryDue",
	})
	if err != nil {
		a.d.Log.Warn("register expiry timer; the reminder remains", "banner", a.ID(), "error", err)
	}
}

// Reminder runs when an actor reminder fires: the expiry reminder starts
// an Expire turn (kick) and returns.
func (a *Actor) Reminder(_ context.Context, name string, _ []byte) error {
	if name == expireName {
		a.kick()
	}
	return nil
}

// ExpiryDue is the expiry timer's callback: it starts an Expire turn
// (kick) and returns.
func (a *Actor) ExpiryDue(context.Context) error {
	a.kick()
	return nil
}

// kick invokes Expire on this banner through the sidecar, as a turn of its
// own, without waiting for it. A trigger must return at once: daprd 1.16
// runs all of a sidecar's actor timers one after another, so a callback
// that waited on the state store or the scheduler (both away in a fault)
// would hold back the expiry of every banner the sidecar hosts. A kick
// while a turn is on its way runs one more right after it (the timer may
// have been re-armed for now by that very turn); a failed turn is
// repeated by the triggers' period.
func (a *Actor) kick() {
	a.kickMu.Lock()
	defer a.kickMu.Unlock()
	if a.kicking {
		a.kickAgain = true
		return
	}
	a.kicking = true
	go func() {
		for {
			a.invokeExpire()
			a.kickMu.Lock()
			again := a.kickAgain
			a.kicking, a.kickAgain = again, false
			a.kickMu.Unlock()
			if !again {
				return
			}
		}
	}()
}

func (a *Actor) invokeExpire() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := a.d.Dapr.InvokeActor(ctx, &dapr.InvokeActorRequest{
		ActorType: banners.ActorType, ActorID: a.ID(), Method: "Expire",
	})
	if err != nil {
		a.d.Log.Warn("expiry turn failed; the next trigger repeats it", "banner", a.ID(), "error", err)
	}
}

// Expire takes down what is due, in a turn kicked by either trigger.
func (a *Actor) Expire(ctx context.Context) error {
	a.expire(ctx)
	return nil
}

// expire takes down what is due; with nothing left to show, it stops both
// triggers, and it re-registers a reminder that failed to register. A
// trigger that fires before the message is due (a reminder's due time is
// kept by the scheduler, the timer died with a restarted sidecar) arms
// the timer for the exact time left, rather than leave the message up
// until the next period. A failed run is repeated by their period.
func (a *Actor) expire(ctx context.Context) {
	var now time.Time
	s, err := a.update(ctx, func(s *state, at time.Time) error {
		now = at
		a.advance(s, at)
		return nil
	})
	if err != nil {
		a.d.Log.Error("expiry: advance banner", "banner", a.ID(), "error", err)
		return
	}
	switch {
	case s.Current == nil:
		a.unschedule(ctx)
	case a.armed != s.Current.ID:
		a.scheduleExpiry(ctx, s, a.d.Now().UTC(), true)
	case s.Current.ExpiresAt != nil && now.Before(*s.Current.ExpiresAt):
		a.armTimer(ctx, s.Current.ExpiresAt.Sub(a.d.Now().UTC()))
	}
}

// unschedule removes the expiry reminder and timer; missing ones are fine.
func (a *Actor) unschedule(ctx context.Context) {
	a.armed = ""
	err := a.d.Dapr.UnregisterActorTimer(ctx, &dapr.UnregisterActorTimerRequest{
		ActorType: banners.ActorType, ActorID: a.ID(), Name: expireName,
	})
	if err != nil {
		a.d.Log.Debug("unregister expiry timer", "banner", a.ID(), "error", err)
	}
	rctx, cancel := context.WithTimeout(ctx, schedulerTimeout)
	defer cancel()
	err = a.d.Dapr.UnregisterActorReminder(rctx, &dapr.UnregisterActorReminderRequest{
		ActorType: banners.ActorType, ActorID: a.ID(), Name: expireName,
	})
	if err != nil {
		a.d.Log.Debug("unregister expiry reminder", "banner", a.ID(), "error", err)
	}
}
