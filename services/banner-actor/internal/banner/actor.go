// Package banner is the Banner virtual actor: one per physical banner. A
// banner shows one message for the display duration; a message posted
// meanwhile is refused or, if asked, queued, never overwriting what shows.
// Expiry and queue advance are driven by a durable actor reminder (kept by
// the Dapr scheduler), not by in-memory timers.
package banner

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/dapr/go-sdk/actor"
	dapr "github.com/dapr/go-sdk/client"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/airdisplay/platform/services/contracts/banners"
)

const (
	stateKey     = "banner"
	expireName   = "expire"
	seenIDsLimit = 256
)

// Deps are shared by every activation: one Dapr client for the process.
type Deps struct {
	Dapr        dapr.Client
	PubSub      string        // pub/sub component for banner-updated events
	Display     time.Duration // how long a message shows
	MaxQueue    int           // pending messages per banner
	HistorySize int           // expired messages kept
	Index       *Index        // registry of banner ids, for listing
	Log         *slog.Logger
	Now         func() time.Time
	Metrics     *Metrics
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

// Factory makes Banner actors for the Dapr actor runtime.
func Factory(d *Deps) actor.FactoryContext {
	return func() actor.ServerContext {
		d.Metrics.Activations.Inc()
		return &Actor{d: d}
	}
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
}

// Actor is one banner.
type Actor struct {
	actor.ServerImplBaseCtx
	d *Deps
}

// Type is the actor type.
func (a *Actor) Type() string { return banners.ActorType }

func (a *Actor) load(ctx context.Context) (*state, error) {
	sm := a.GetStateManager()
	var s state
	ok, err := sm.Contains(ctx, stateKey)
	if err != nil {
		return nil, err
	}
	if ok {
		if err := sm.Get(ctx, stateKey, &s); err != nil {
			return nil, err
		}
	}
	return &s, nil
}

// commit saves the state, then announces the change. Saving first means
// no event ever describes a state that was not stored.
func (a *Actor) commit(ctx context.Context, s *state, change string) error {
	s.Version++
	sm := a.GetStateManager()
	if err := sm.Set(ctx, stateKey, s); err != nil {
		return err
	}
	if err := sm.Save(ctx); err != nil {
		return fmt.Errorf("save banner %s: %w", a.ID(), err)
	}
	view := a.view(s)
	if err := a.d.Index.SaveView(ctx, view); err != nil {
		a.d.Log.Warn("save banner view", "banner", a.ID(), "error", err)
	}
	ev := banners.Event{Type: banners.EventType, BannerID: a.ID(), Version: s.Version, Change: change, At: a.d.Now().UTC(), Banner: view}
	data, _ := json.Marshal(ev)
	if err := a.d.Dapr.PublishEvent(ctx, a.d.PubSub, banners.Topic, data, dapr.PublishEventWithContentType("application/json")); err != nil {
		// The state is stored; viewers catch up on the next event or GET.
		a.d.Log.Warn("publish banner event", "banner", a.ID(), "version", s.Version, "error", err)
	}
	return nil
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
	s, err := a.load(ctx)
	if err != nil {
		return nil, err
	}
	if s.Registered && s.Indexed && s.Name == r.Name && s.Location == r.Location {
		v := a.view(s)
		return &v, nil
	}
	if !s.Indexed {
		// Indexed is stored with the registration, so a retried PUT after
		// a failure here adds the id again rather than never.
		if err := a.d.Index.Add(ctx, a.ID()); err != nil {
			return nil, err
		}
		s.Indexed = true
	}
	s.Registered, s.Name, s.Location = true, r.Name, r.Location
	if err := a.commit(ctx, s, "registered"); err != nil {
		return nil, err
	}
	v := a.view(s)
	return &v, nil
}

// Get returns the banner; an unregistered banner has Version 0 and no name.
func (a *Actor) Get(ctx context.Context) (*banners.View, error) {
	s, err := a.load(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.advance(ctx, s); err != nil {
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
	s, err := a.load(ctx)
	if err != nil {
		return nil, err
	}
	now := a.d.Now().UTC()
	res, err := a.post(ctx, s, p, now)
	if err != nil {
		return nil, err
	}
	a.d.Metrics.Posts.WithLabelValues(res.Outcome).Inc()
	return res, nil
}

func (a *Actor) post(ctx context.Context, s *state, p banners.Post, now time.Time) (*banners.PostResult, error) {
	if !s.Registered {
		return &banners.PostResult{Outcome: banners.OutcomeNotRegistered, AvailableAt: now, Reason: "banner " + a.ID() + " is not registered"}, nil
	}
	// A reminder may be late (host restarting): take down what has expired.
	if err := a.advance(ctx, s); err != nil {
		return nil, err
	}
	if p.ID != "" && slices.Contains(s.SeenIDs, p.ID) {
		v := a.view(s)
		return &banners.PostResult{Outcome: banners.OutcomeDuplicate, AvailableAt: v.AvailableAt, Reason: "message " + p.ID + " was already posted", View: &v}, nil
	}
	if p.ID == "" {
		p.ID = fmt.Sprintf("%s-%d-%d", a.ID(), now.UnixNano(), s.Version)
	}
	msg := banners.Message{ID: p.ID, Text: p.Text, Author: p.Author, PostedAt: now}
	switch {
	case s.Current == nil:
		a.show(s, &msg, now)
		a.remember(s, p.ID)
		if err := a.commit(ctx, s, "shown"); err != nil {
			return nil, err
		}
		if err := a.scheduleExpiry(ctx, s, now); err != nil {
			return nil, err
		}
		v := a.view(s)
		return &banners.PostResult{Outcome: banners.OutcomeShown, Message: s.Current, AvailableAt: v.AvailableAt, View: &v}, nil
	case !p.Queue:
		at := availableAt(s, now, a.d.Display)
		return &banners.PostResult{Outcome: banners.OutcomeConflict, AvailableAt: at,
			Reason: fmt.Sprintf("banner busy: it shows another message until %s", s.Current.ExpiresAt.Format(time.RFC3339))}, nil
	case len(s.Queue) >= a.d.MaxQueue:
		at := availableAt(s, now, a.d.Display)
		return &banners.PostResult{Outcome: banners.OutcomeQueueFull, AvailableAt: at,
			Reason: fmt.Sprintf("queue full: banner %s already holds %d pending messages", a.ID(), a.d.MaxQueue)}, nil
	default:
		s.Queue = append(s.Queue, msg)
		a.remember(s, p.ID)
		if err := a.commit(ctx, s, "queued"); err != nil {
			return nil, err
		}
		v := a.view(s)
		return &banners.PostResult{Outcome: banners.OutcomeQueued, Message: &msg, Position: len(s.Queue), AvailableAt: v.AvailableAt, View: &v}, nil
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
	s, err := a.load(ctx)
	if err != nil {
		return nil, err
	}
	if !s.Registered {
		v := a.view(s)
		v.Version = 0
		return &v, nil
	}
	if s.Current != nil {
		now := a.d.Now().UTC()
		a.retire(s)
		change := "cleared"
		if len(s.Queue) > 0 {
			next := s.Queue[0]
			s.Queue = s.Queue[1:]
			a.show(s, &next, now)
		}
		if err := a.commit(ctx, s, change); err != nil {
			return nil, err
		}
		if err := a.scheduleExpiry(ctx, s, now); err != nil {
			return nil, err
		}
	}
	v := a.view(s)
	return &v, nil
}

func (a *Actor) retire(s *state) {
	s.History = append(s.History, *s.Current)
	if len(s.History) > a.d.HistorySize {
		s.History = s.History[len(s.History)-a.d.HistorySize:]
	}
	s.Current = nil
}

// advance takes down every message whose time is up and shows the next
// ones, as many as are due; it commits and reschedules if anything changed.
func (a *Actor) advance(ctx context.Context, s *state) error {
	now := a.d.Now().UTC()
	changed := false
	for s.Current != nil && s.Current.ExpiresAt != nil && !now.Before(*s.Current.ExpiresAt) {
		a.d.Metrics.Expired.Inc()
		a.d.Metrics.Late.Observe(now.Sub(*s.Current.ExpiresAt).Seconds())
		expiredAt := *s.Current.ExpiresAt
		a.retire(s)
		changed = true
		if len(s.Queue) > 0 {
			next := s.Queue[0]
			s.Queue = s.Queue[1:]
			// The next message's time starts when the previous one ended,
			// unless that is already over too.
			start := expiredAt
			if now.Sub(start) > a.d.Display {
				start = now
			}
			a.show(s, &next, start)
		}
	}
	if !changed {
		return nil
	}
	if err := a.commit(ctx, s, "expired"); err != nil {
		return err
	}
	return a.scheduleExpiry(ctx, s, now)
}

// scheduleExpiry registers the durable reminder for the current message.
// Registering under the same name replaces an earlier reminder.
func (a *Actor) scheduleExpiry(ctx context.Context, s *state, now time.Time) error {
	if s.Current == nil || s.Current.ExpiresAt == nil {
		a.unschedule(ctx)
		return nil
	}
	due := max(s.Current.ExpiresAt.Sub(now), 0)
	return a.d.Dapr.RegisterActorReminder(ctx, &dapr.RegisterActorReminderRequest{
		ActorType: banners.ActorType, ActorID: a.ID(), Name: expireName,
		DueTime: due.String(),
		// A period makes the scheduler fire again should one run fail;
		// each successful run replaces the reminder.
		Period: "5s",
	})
}

// ReminderCall runs when the expiry reminder fires.
func (a *Actor) ReminderCall(name string, _ []byte, _, _ string) {
	if name != expireName {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := a.load(ctx)
	if err != nil {
		a.d.Log.Error("expiry: load banner", "banner", a.ID(), "error", err)
		return
	}
	if err := a.advance(ctx, s); err != nil {
		a.d.Log.Error("expiry: advance banner", "banner", a.ID(), "error", err)
		return
	}
	if s.Current == nil {
		// Nothing left to expire: stop the periodic reminder.
		a.unschedule(ctx)
	}
}

// unschedule removes the expiry reminder; a missing one is fine.
func (a *Actor) unschedule(ctx context.Context) {
	err := a.d.Dapr.UnregisterActorReminder(ctx, &dapr.UnregisterActorReminderRequest{
		ActorType: banners.ActorType, ActorID: a.ID(), Name: expireName,
	})
	if err != nil {
		a.d.Log.Debug("unregister expiry reminder", "banner", a.ID(), "error", err)
	}
}
