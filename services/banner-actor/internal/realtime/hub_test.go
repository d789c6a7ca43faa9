package realtime

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func newTestHub(buffer int) *Hub {
	return NewHub(buffer, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
}

func (h *Hub) add(buffer int, filter map[string]bool) *client {
	c := &client{send: make(chan []byte, buffer), filter: filter, gone: make(chan struct{})}
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
	h.connected.Inc()
	return c
}

// A client that stops reading is dropped once its buffer is full; the
// others keep receiving every event, and Publish never waits for anyone.
func TestSlowClientIsDroppedWithoutHoldingOthersBack(t *testing.T) {
	h := newTestHub(0)
	slow := h.add(2, nil)
	fast := h.add(100, nil)
	for i := range 10 {
		h.Publish("gate-1", fmt.Appendf(nil, `{"version":%d}`, i+1))
	}
	select {
	case <-slow.gone:
	default:
		t.Fatal("the slow client was not dropped")
	}
	if len(fast.send) != 10 {
		t.Fatalf("the fast client got %d of 10 events", len(fast.send))
	}
	for i := range 10 {
		if got, want := string(<-fast.send), fmt.Sprintf(`{"version":%d}`, i+1); got != want {
			t.Fatalf("event %d: %s, want %s (order)", i, got, want)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[slow]; ok || len(h.clients) != 1 {
		t.Fatalf("%d clients registered after the drop", len(h.clients))
	}
}

func TestClientsOnlyGetTheBannersTheyFilterOn(t *testing.T) {
	h := newTestHub(0)
	c := h.add(10, map[string]bool{"gate-2": true})
	h.Publish("gate-1", []byte("a"))
	h.Publish("gate-2", []byte("b"))
	if len(c.send) != 1 || string(<-c.send) != "b" {
		t.Fatal("filter not applied")
	}
}

func TestMalformedEventsAreRejected(t *testing.T) {
	h := newTestHub(0)
	c := h.add(10, nil)
	for _, raw := range []string{``, `{`, `[]`, `{"bannerId":"gate-1"}`, `{"bannerId":"","version":3}`, `{"bannerId":"gate-1","version":1,"extra":true}`} {
		if err := h.HandleEvent([]byte(raw)); err == nil {
			t.Errorf("event %q accepted", raw)
		}
	}
	if err := h.HandleEvent([]byte(`{"type":"airdisplay.banner.updated.v1","bannerId":"gate-1","version":2,"change":"shown","at":"2026-01-01T00:00:00Z","banner":{"id":"gate-1","name":"G","current":null,"queue":[],"history":[],"availableAt":"2026-01-01T00:00:00Z","version":2}}`)); err != nil {
		t.Fatal(err)
	}
	if len(c.send) != 1 {
		t.Fatal("a valid event was not published")
	}
}

// Whatever arrives from pub/sub, the hub rejects it with a reason or
// publishes it; it never panics.
func FuzzHandleEvent(f *testing.F) {
	f.Add([]byte(`{"type":"airdisplay.banner.updated.v1","bannerId":"gate-1","version":2,"change":"shown","at":"2026-01-01T00:00:00Z","banner":{"id":"gate-1","name":"G","current":null,"queue":[],"history":[],"availableAt":"2026-01-01T00:00:00Z","version":2}}`))
	f.Add([]byte(`{"bannerId":"","version":-1}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		h := newTestHub(0)
		c := h.add(1, nil)
		if err := h.HandleEvent(raw); err == nil && len(c.send) != 1 {
			t.Fatal("an accepted event was not published")
		}
	})
}
