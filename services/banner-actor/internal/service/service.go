// Package service wires banner-actor: configuration, the Dapr client, the
// Banner actor registration and the HTTP server the sidecar calls.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	dapr "github.com/dapr/go-sdk/client"
	daprhttp "github.com/dapr/go-sdk/service/http"
	"github.com/go-chi/chi/v5"

	"github.com/airdisplay/platform/services/daprapp/envconfig"
	"github.com/airdisplay/platform/services/daprapp/httpserver"
	"github.com/airdisplay/platform/services/daprapp/observability"
)

// Config is banner-actor's configuration; README.md lists every variable.
type Config struct {
	Port         int    // APP_PORT
	DaprHTTPPort int    // DAPR_HTTP_PORT
	DaprGRPCPort int    // DAPR_GRPC_PORT
	LogLevel     string // LOG_LEVEL
}

// LoadConfig reads the configuration; it reports every bad value at once.
func LoadConfig(lookup func(string) (string, bool)) (Config, []any, error) {
	l := envconfig.New(lookup)
	c := Config{
		Port:         l.Int("APP_PORT", 8083, 1, 65535),
		DaprHTTPPort: l.Int("DAPR_HTTP_PORT", 3500, 1, 65535),
		DaprGRPCPort: l.Int("DAPR_GRPC_PORT", 50001, 1, 65535),
		LogLevel:     l.String("LOG_LEVEL", "info"),
	}
	return c, l.Resolved(), l.Err()
}

// App is the running banner-actor.
type App struct {
	svc interface {
		Start() error
		GracefulStop() error
	}
	log *slog.Logger
}

// New connects to the sidecar and builds the service.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, func(), error) {
	client, err := dapr.NewClientWithAddressContext(ctx, fmt.Sprintf("127.0.0.1:%d", cfg.DaprGRPCPort))
	if err != nil {
		return nil, nil, fmt.Errorf("connect to the dapr sidecar: %w", err)
	}
	metrics := observability.NewMetrics()
	mux := chi.NewRouter()
	mux.Get("/healthz", httpserver.Healthz)
	mux.Get("/readyz", httpserver.Readyz(map[string]func(context.Context) error{
		"dapr sidecar": httpserver.SidecarReady(cfg.DaprHTTPPort),
	}))
	mux.Method(http.MethodGet, "/metrics", metrics.Handler())
	svc := daprhttp.NewServiceWithMux(fmt.Sprintf(":%d", cfg.Port), mux)
	return &App{svc: svc, log: log}, func() { client.Close() }, nil
}

// Run serves until ctx ends, then stops gracefully.
func (a *App) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- a.svc.Start() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("stopping")
	if err := a.svc.GracefulStop(); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
