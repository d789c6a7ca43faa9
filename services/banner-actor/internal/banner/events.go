package banner

import (
	"context"
	"log/slog"
	"time"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/airdisplay/platform/services/contracts/banners"
)

// Events publishes banner-updated events. A turn publishes its events once
// its state is stored and does not wait on a broker that is away: a
// publish that fails (the broker restarting, the sidecar briefly away) is
// handed to a queue that Run retries in the background, oldest first,
// until it goes through, so viewers connected across the fault still see
// the change. A retried event may arrive after a newer one of the same
// banner; receivers keep the highest version (the board does). What is
// still queued when the process stops, or beyond the queue's size, is
// lost and counted: a viewer's next read shows the stored state.
type Events struct {
	dapr   dapr.Client
	pubsub string
	log    *slog.Logger
	queue  chan queued
	// Backoff is the first wait between attempts at a queued event,
	// doubled after each failure up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	retried, dropped    prometheus.Counter
}

type queued struct {
	bannerID string
	version  int64
	data     []byte
}

// NewEvents returns the publisher of banner-updated events to pubsub,
// holding up to size failed events for retry.
func NewEvents(c dapr.Client, pubsub string, size int, log *slog.Logger, reg prometheus.Registerer) *Events {
	e := &Events{
		dapr: c, pubsub: pubsub, log: log, queue: make(chan queued, size),
		Backoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second,
		retried: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "banner_events_republished_total", Help: "banner-updated events published by a retry after their first publish failed.",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "banner_events_dropped_total", Help: "banner-updated events never published: the retry queue was full or the process stopped.",
		}),
	}
	reg.MustRegister(e.retried, e.dropped)
	return e
}

// Publish sends one event; if that fails, the event is queued for Run.
func (e *Events) Publish(ctx context.Context, bannerID string, version int64, data []byte) {
	err := e.send(ctx, data)
	if err == nil {
		return
	}
	e.log.Warn("publish banner event failed; retrying in the background", "banner", bannerID, "version", version, "error", err)
	select {
	case e.queue <- queued{bannerID: bannerID, version: version, data: data}:
	default:
		e.dropped.Inc()
		e.log.Error("banner event dropped: the retry queue is full", "banner", bannerID, "version", version, "queued", cap(e.queue))
	}
}

func (e *Events) send(ctx context.Context, data []byte) error {
	return e.dapr.PublishEvent(ctx, e.pubsub, banners.Topic, data, dapr.PublishEventWithContentType("application/json"))
}

// Run retries queued events until ctx ends; then it makes one last attempt
// at each event still queued, within grace, and counts the rest as dropped.
func (e *Events) Run(ctx context.Context, grace time.Duration) {
	for {
		select {
		case q := <-e.queue:
			if !e.retry(ctx, q) {
				e.flush(grace, q)
				return
			}
		case <-ctx.Done():
			e.flush(grace)
			return
		}
	}
}

// retry publishes q, waiting longer after each failure, until it goes
// through (true) or ctx ends (false). Its first attempt is at once: after
// an outage the queue drains as fast as the broker takes it.
func (e *Events) retry(ctx context.Context, q queued) bool {
	wait := e.Backoff
	for attempt := 2; ; attempt++ { // the first was Publish's
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := e.send(actx, q.data)
		cancel()
		if err == nil {
			e.retried.Inc()
			e.log.Info("banner event published on retry", "banner", q.bannerID, "version", q.version, "attempts", attempt)
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		wait = min(wait*2, e.MaxBackoff)
	}
}

// flush makes one attempt at each of held and what is queued, within
// grace; what fails is dropped.
func (e *Events) flush(grace time.Duration, held ...queued) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	last := func(q queued) {
		if ctx.Err() == nil && e.send(ctx, q.data) == nil {
			e.retried.Inc()
			return
		}
		e.dropped.Inc()
		e.log.Error("banner event dropped at shutdown", "banner", q.bannerID, "version", q.version)
	}
	for _, q := range held {
		last(q)
	}
	for {
		select {
		case q := <-e.queue:
			last(q)
		default:
			return
		}
	}
}
