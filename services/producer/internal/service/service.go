// Package service wires the producer: configuration, the Dapr client, the
// job submitter and the HTTP server.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/contracts/jobstore"
	"github.com/airdisplay/platform/services/daprapp/apikey"
	"github.com/airdisplay/platform/services/daprapp/envconfig"
	"github.com/airdisplay/platform/services/daprapp/httpserver"
	"github.com/airdisplay/platform/services/daprapp/observability"
	"github.com/airdisplay/platform/services/daprapp/sidecar"
	"github.com/airdisplay/platform/services/producer/internal/api"
	"github.com/airdisplay/platform/services/producer/internal/jobs"
)

// Config is the producer's configuration; README.md lists every variable.
type Config struct {
	Port          int           // APP_PORT: HTTP port
	DaprHTTPPort  int           // DAPR_HTTP_PORT: sidecar HTTP port (readiness)
	DaprGRPCPort  int           // DAPR_GRPC_PORT: sidecar gRPC port (API calls)
	LogLevel      string        // LOG_LEVEL
	JobStore      string        // JOB_STORE: state store component
	JobsPubSub    string        // JOBS_PUBSUB: the job queue's pub/sub component
	JobsTopic     string        // JOBS_TOPIC: its topic, which is the queue's name
	JobTTL        time.Duration // JOB_TTL: how long a job may wait in the queue
	MaxBatch      int           // MAX_BATCH: jobs per batch request
	BatchWorkers  int           // BATCH_CONCURRENCY: jobs of a batch submitted at once
	MaxBodyBytes  int           // MAX_BODY_BYTES: request body limit
	MaxPayload    int           // MAX_PAYLOAD_BYTES: one job's payload limit
	ShutdownGrace time.Duration // SHUTDOWN_GRACE: in-flight request drain time
	RatePerSecond int           // RATE_LIMIT_PER_SECOND: writes per client per second (0: no limit)
	RateBurst     int           // RATE_LIMIT_BURST: writes a client may send at once
	Auth          apikey.Config // API_KEYS_SECRET_STORE, API_KEYS_SECRET, AUTH_READS
}

// LoadConfig reads the configuration; it reports every bad value at once.
func LoadConfig(lookup func(string) (string, bool)) (Config, []any, error) {
	l := envconfig.New(lookup)
	c := Config{
		Port:          l.Int("APP_PORT", 8081, 1, 65535),
		DaprHTTPPort:  l.Int("DAPR_HTTP_PORT", 3500, 1, 65535),
		DaprGRPCPort:  l.Int("DAPR_GRPC_PORT", 50001, 1, 65535),
		LogLevel:      l.String("LOG_LEVEL", "info"),
		JobStore:      l.String("JOB_STORE", "jobstore"),
		JobsPubSub:    l.String("JOBS_PUBSUB", "jobs"),
		JobsTopic:     l.String("JOBS_TOPIC", "jobs"),
		JobTTL:        l.Duration("JOB_TTL", 24*time.Hour),
		MaxBatch:      l.Int("MAX_BATCH", 1000, 1, 100_000),
		BatchWorkers:  l.Int("BATCH_CONCURRENCY", 16, 1, 1024),
		MaxBodyBytes:  l.Int("MAX_BODY_BYTES", 8<<20, 1024, 256<<20),
		MaxPayload:    l.Int("MAX_PAYLOAD_BYTES", contract.DefaultLimits.MaxPayloadBytes, 64, 16<<20),
		ShutdownGrace: l.Duration("SHUTDOWN_GRACE", 15*time.Second),
		RatePerSecond: l.Int("RATE_LIMIT_PER_SECOND", 50, 0, 1_000_000),
		RateBurst:     l.Int("RATE_LIMIT_BURST", 100, 1, 1_000_000),
		Auth:          apikey.LoadConfig(l),
	}
	return c, l.Resolved(), l.Err()
}

// App is the running producer.
type App struct {
	server *httpserver.Server
}

// New connects to the sidecar and builds the producer. cleanup closes what
// New opened.
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
	submitter := jobs.NewSubmitter(client, jobstore.NewStore(client, cfg.JobStore), cfg.JobsPubSub, cfg.JobsTopic, cfg.JobTTL, metrics.Registry)
	// The group commit stops after the server, which drains requests
	// waiting on it.
	cleanup := func() { submitter.Close(); client.Close() }
	go submitter.ResendSuspects(ctx, 2*time.Second, log)
	handler := api.New(submitter, api.Limits{
		MaxBodyBytes:     int64(cfg.MaxBodyBytes),
		MaxBatch:         cfg.MaxBatch,
		BatchConcurrency: cfg.BatchWorkers,
		Job:              contract.Limits{MaxPayloadBytes: cfg.MaxPayload, MaxTextRunes: contract.DefaultLimits.MaxTextRunes},
	}, log)

	mux := http.NewServeMux()
	handler.Register(mux, metrics, httpserver.NewRateLimiter(float64(cfg.RatePerSecond), cfg.RateBurst), guard)
	mux.HandleFunc("GET /healthz", httpserver.Healthz)
	mux.Handle("GET /readyz", httpserver.Readyz(map[string]func(context.Context) error{
		"dapr sidecar": httpserver.SidecarReady(cfg.DaprHTTPPort),
		"api keys":     guard.Ready,
	}))
	mux.Handle("GET /metrics", metrics.Handler())

	return &App{server: httpserver.New(fmt.Sprintf(":%d", cfg.Port), mux, log, cfg.ShutdownGrace)}, cleanup, nil
}

// Run serves until ctx ends, then drains in-flight requests.
func (a *App) Run(ctx context.Context) error { return a.server.Run(ctx) }
