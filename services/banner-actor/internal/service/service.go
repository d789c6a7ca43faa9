// Package service wires banner-actor: configuration, one Dapr client for
// the process, the Banner actor, the REST API, the WebSocket hub fed by
// pub/sub, and the embedded UI.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/airdisplay/platform/services/banner-actor/internal/api"
	"github.com/airdisplay/platform/services/banner-actor/internal/banner"
	"github.com/airdisplay/platform/services/banner-actor/internal/daprhost"
	"github.com/airdisplay/platform/services/banner-actor/internal/realtime"
	"github.com/airdisplay/platform/services/banner-actor/internal/ui"
	"github.com/airdisplay/platform/services/contracts/banners"
	"github.com/airdisplay/platform/services/daprapp/apikey"
	"github.com/airdisplay/platform/services/daprapp/envconfig"
	"github.com/airdisplay/platform/services/daprapp/httpserver"
	"github.com/airdisplay/platform/services/daprapp/observability"
	"github.com/airdisplay/platform/services/daprapp/sidecar"
)

// Config is banner-actor's configuration; README.md lists every variable.
type Config struct {
	Port           int           // APP_PORT
	DaprHTTPPort   int           // DAPR_HTTP_PORT
	DaprGRPCPort   int           // DAPR_GRPC_PORT
	LogLevel       string        // LOG_LEVEL
	StateStore     string        // STATE_STORE: actor state store, also holds each banner's state and the banner index
	PubSub         string        // PUBSUB: where banner-updated events go
	Display        time.Duration // BANNER_DISPLAY_DURATION
	MaxQueue       int           // BANNER_MAX_QUEUE
	HistorySize    int           // BANNER_HISTORY
	IndexPageSize  int           // BANNER_INDEX_PAGE_SIZE
	IdleTimeout    time.Duration // BANNER_IDLE_TIMEOUT: an uncalled banner's activation is freed after this
	WSBuffer       int           // WS_CLIENT_BUFFER: events a client may lag before it is dropped
	AllowedOrigins []string      // WS_ALLOWED_ORIGINS: extra Origin hosts for the WebSocket
	MaxBodyBytes   int           // MAX_BODY_BYTES
	ShutdownGrace  time.Duration // SHUTDOWN_GRACE: in-flight request drain time
	AppAPIToken    string        // APP_API_TOKEN: what daprd must present on the routes it calls
	RatePerSecond  int           // RATE_LIMIT_PER_SECOND: writes per client per second (0: no limit)
	RateBurst      int           // RATE_LIMIT_BURST: writes a client may send at once
	Auth           apikey.Config // API_KEYS_SECRET_STORE, API_KEYS_SECRET, AUTH_READS
}

// LoadConfig reads the configuration; it reports every bad value at once.
func LoadConfig(lookup func(string) (string, bool)) (Config, []any, error) {
	l := envconfig.New(lookup)
	c := Config{
		Port:          l.Int("APP_PORT", 8083, 1, 65535),
		DaprHTTPPort:  l.Int("DAPR_HTTP_PORT", 3500, 1, 65535),
		DaprGRPCPort:  l.Int("DAPR_GRPC_PORT", 50001, 1, 65535),
		LogLevel:      l.String("LOG_LEVEL", "info"),
		StateStore:    l.String("STATE_STORE", "statestore"),
		PubSub:        l.String("PUBSUB", "pubsub"),
		Display:       l.Duration("BANNER_DISPLAY_DURATION", 60*time.Second),
		MaxQueue:      l.Int("BANNER_MAX_QUEUE", 20, 0, 10_000),
		HistorySize:   l.Int("BANNER_HISTORY", 10, 0, 1000),
		IndexPageSize: l.Int("BANNER_INDEX_PAGE_SIZE", 1000, 10, 100_000),
		IdleTimeout:   l.Duration("BANNER_IDLE_TIMEOUT", 2*time.Minute),
		WSBuffer:      l.Int("WS_CLIENT_BUFFER", 256, 1, 100_000),
		MaxBodyBytes:  l.Int("MAX_BODY_BYTES", 64<<10, 1024, 16<<20),
		ShutdownGrace: l.Duration("SHUTDOWN_GRACE", 15*time.Second),
		AppAPIToken:   l.Secret("APP_API_TOKEN", ""),
		RatePerSecond: l.Int("RATE_LIMIT_PER_SECOND", 50, 0, 1_000_000),
		RateBurst:     l.Int("RATE_LIMIT_BURST", 100, 1, 1_000_000),
		Auth:          apikey.LoadConfig(l),
	}
	if o := l.String("WS_ALLOWED_ORIGINS", ""); o != "" {
		c.AllowedOrigins = strings.Split(o, ",")
	}
	err := l.Err()
	if err == nil && c.IdleTimeout <= c.Display {
		// A banner showing a message would be deactivated before its
		// expiry timer fired, leaving expiry to the reminder alone.
		err = fmt.Errorf("BANNER_IDLE_TIMEOUT (%s) must be longer than BANNER_DISPLAY_DURATION (%s)", c.IdleTimeout, c.Display)
	}
	return c, l.Resolved(), err
}

// App is the running banner-actor.
type App struct {
	server *httpserver.Server
	hub    *realtime.Hub
	events *banner.Events
	log    *slog.Logger
}

// New connects to the sidecar and builds the service.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, func(), error) {
	client, err := sidecar.Connect(ctx, fmt.Sprintf("127.0.0.1:%d", cfg.DaprGRPCPort), log)
	if err != nil {
		return nil, nil, err
	}
	metrics := observability.NewMetrics()
	guard, err := apikey.Start(ctx, client, cfg.Auth, log, metrics.Registry)
	if err != nil {
		client.Close()
		return nil, nil, err
	}
	index := banner.NewIndex(client, cfg.StateStore, cfg.IndexPageSize)
	events := banner.NewEvents(client, cfg.PubSub, eventRetryQueue, log, metrics.Registry)
	deps := &banner.Deps{
		Dapr: client, StateStore: cfg.StateStore, Events: events, Display: cfg.Display, MaxQueue: cfg.MaxQueue,
		HistorySize: cfg.HistorySize, Index: index, Log: log, Now: time.Now,
		Metrics: banner.NewMetrics(metrics.Registry),
	}
	hub := realtime.NewHub(cfg.WSBuffer, cfg.AllowedOrigins, log, metrics.Registry)

	mux := chi.NewRouter()
	mux.Get("/healthz", httpserver.Healthz)
	mux.Get("/readyz", httpserver.Readyz(map[string]func(context.Context) error{
		"dapr sidecar": httpserver.SidecarReady(cfg.DaprHTTPPort),
		"api keys":     guard.Ready,
	}))
	mux.Method(http.MethodGet, "/metrics", metrics.Handler())
	api.New(client, index, int64(cfg.MaxBodyBytes), log).Register(mux, metrics, httpserver.NewRateLimiter(float64(cfg.RatePerSecond), cfg.RateBurst), guard)
	mux.Method(http.MethodGet, "/v1/ws", guard.Read(hub))

	// What daprd calls: the Banner actors and the banner-updated events,
	// which every replica fans out to its WebSocket clients.
	// Activations are cheap (the first turn reads the banner's state) and
	// each holds memory in daprd and here: a banner nobody calls is let go
	// soon (docs/benchmarks.md, activations).
	host := daprhost.New(daprhost.Actors{IdleTimeout: cfg.IdleTimeout, ScanInterval: 10 * time.Second})
	host.RegisterActor(daprhost.ActorType{Name: banners.ActorType, Activate: func(id string) daprhost.Activation { return banner.New(deps, id) }})
	host.Subscribe(daprhost.Subscription{PubsubName: cfg.PubSub, Topic: banners.Topic, Route: "/events/banner-updated"}, func(data []byte) error {
		if err := hub.HandleEvent(data); err != nil {
			log.Warn("malformed banner event dropped", "error", err)
			return err
		}
		return nil
	})
	host.Mount(mux, func(h http.Handler) http.Handler { return httpserver.RequireAppToken(cfg.AppAPIToken, h) })
	mux.Method(http.MethodGet, "/*", ui.Handler())

	srv := httpserver.New(fmt.Sprintf(":%d", cfg.Port), mux, log, cfg.ShutdownGrace)
	return &App{server: srv, hub: hub, events: events, log: log}, func() { client.Close() }, nil
}

// eventRetryQueue is how many banner-updated events whose publish failed
// wait for a retry (a few KB each): a broker outage of minutes under load.
const eventRetryQueue = 10_000

// Run serves until ctx ends, then closes the WebSockets and drains the
// other requests.
func (a *App) Run(ctx context.Context) error {
	go func() {
		<-ctx.Done()
		a.hub.Close()
	}()
	// Events whose publish failed are retried until the stop, then get
	// one last attempt before the sidecar client is closed.
	retried := make(chan struct{})
	go func() {
		defer close(retried)
		a.events.Run(ctx, 2*time.Second)
	}()
	err := a.server.Run(ctx)
	<-retried
	return err
}
