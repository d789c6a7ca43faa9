// Package realtime fans banner-updated events out to WebSocket clients.
// Every replica of banner-actor receives every event (its own pub/sub
// consumer group) and pushes it to the clients connected to it, so a UI on
// any replica sees every change. A client that cannot keep up is dropped;
// it never holds the others back.
package realtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/airdisplay/platform/services/contracts/banners"
	"github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/daprapp/apikey"
)

// Hub holds the connected clients.
type Hub struct {
	mu      sync.Mutex
	clients map[*client]struct{}
	buffer  int
	origins []string
	log     *slog.Logger

	connected prometheus.Gauge
	sent      prometheus.Counter
	dropped   prometheus.Counter
}

type client struct {
	send   chan []byte
	filter map[string]bool // nil: every banner
	gone   chan struct{}
	once   sync.Once
}

func (c *client) close() { c.once.Do(func() { close(c.gone) }) }

// NewHub makes a hub; each client may fall buffer events behind before it
// is dropped. origins are extra allowed Origin host patterns for browsers
// (the service's own host is always allowed).
func NewHub(buffer int, origins []string, log *slog.Logger, reg prometheus.Registerer) *Hub {
	h := &Hub{
		clients: map[*client]struct{}{}, buffer: buffer, origins: origins, log: log,
		connected: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ws_clients", Help: "Connected WebSocket clients."}),
		sent:      prometheus.NewCounter(prometheus.CounterOpts{Name: "ws_events_sent_total", Help: "Events queued to WebSocket clients."}),
		dropped:   prometheus.NewCounter(prometheus.CounterOpts{Name: "ws_clients_dropped_total", Help: "Clients dropped for falling behind."}),
	}
	reg.MustRegister(h.connected, h.sent, h.dropped)
	return h
}

// Publish hands an event to every interested client without waiting.
func (h *Hub) Publish(bannerID string, raw []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if c.filter != nil && !c.filter[bannerID] {
			continue
		}
		select {
		case c.send <- raw:
			h.sent.Inc()
		default:
			// Too slow: drop it rather than block every other client.
			delete(h.clients, c)
			c.close()
			h.dropped.Inc()
			h.connected.Dec()
		}
	}
}

// HandleEvent decodes a banner-updated event from pub/sub and publishes it.
// A malformed event is reported and dropped (retrying cannot fix it).
func (h *Hub) HandleEvent(raw []byte) error {
	ev, fe := banners.DecodeEvent(raw)
	if fe != nil {
		return fe
	}
	h.Publish(ev.BannerID, raw)
	return nil
}

// ServeHTTP upgrades GET /v1/ws[?banners=a,b] to a WebSocket and streams
// events as JSON text frames. The client sends nothing but pings.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var filter map[string]bool
	if ids := r.URL.Query().Get("banners"); ids != "" {
		filter = map[string]bool{}
		for _, id := range strings.Split(ids, ",") {
			if !jobs.ValidBannerID(id) {
				http.Error(w, `{"error":"invalid request","fields":[{"field":"banners","reason":"must be a comma-separated list of banner ids"}]}`, http.StatusBadRequest)
				return
			}
			filter[id] = true
		}
	}
	// The server's read and write timeouts are for requests; a WebSocket
	// lives on, so lift them before the connection is taken over.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	// A browser sends its API key as a "bearer.<key>" subprotocol beside
	// apikey.Subprotocol (checked before this handler, when reads need a
	// key); the server selects apikey.Subprotocol, never the key.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: h.origins, Subprotocols: []string{apikey.Subprotocol}})
	if err != nil {
		return // Accept has answered (403 for a foreign Origin)
	}
	conn.SetReadLimit(4 << 10)
	c := &client{send: make(chan []byte, h.buffer), filter: filter, gone: make(chan struct{})}
	h.mu.Lock()
	h.clients[c] = struct{}{}
	h.mu.Unlock()
	h.connected.Inc()
	defer h.remove(c)

	ctx := conn.CloseRead(r.Context())
	hello, _ := json.Marshal(map[string]any{"type": "hello", "banners": keys(filter)})
	if err := write(ctx, conn, hello); err != nil {
		return
	}
	for {
		select {
		case msg := <-c.send:
			if err := write(ctx, conn, msg); err != nil {
				return
			}
		case <-c.gone:
			conn.Close(websocket.StatusPolicyViolation, "client too slow; reconnect")
			return
		case <-ctx.Done():
			conn.Close(websocket.StatusNormalClosure, "")
			return
		}
	}
}

func write(ctx context.Context, conn *websocket.Conn, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return conn.Write(ctx, websocket.MessageText, msg)
}

func (h *Hub) remove(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; ok {
		delete(h.clients, c)
		h.connected.Dec()
	}
}

// Close disconnects every client (on shutdown).
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		c.close()
		delete(h.clients, c)
		h.connected.Dec()
	}
}

func keys(m map[string]bool) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	return out
}
