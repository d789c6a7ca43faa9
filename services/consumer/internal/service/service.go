// Package service wires the consumer: configuration, the Dapr client, the
// job processor and the HTTP server daprd delivers jobs to.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/airdisplay/platform/services/consumer/internal/api"
	"github.com/airdisplay/platform/services/consumer/internal/jobs"
	"github.com/airdisplay/platform/services/contracts/jobstore"
	"github.com/airdisplay/platform/services/daprapp/envconfig"
	"github.com/airdisplay/platform/services/daprapp/httpserver"
	"github.com/airdisplay/platform/services/daprapp/observability"
	"github.com/airdisplay/platform/services/daprapp/sidecar"
)

// Config is the consumer's configuration; README.md lists every variable.
type Config struct {
	Port            int           // APP_PORT
	DaprHTTPPort    int           // DAPR_HTTP_PORT
	DaprGRPCPort    int           // DAPR_GRPC_PORT
	LogLevel        string        // LOG_LEVEL
	JobStore        string        // JOB_STORE: state store component
	JobsPubSub      string        // JOBS_PUBSUB: the job queue's pub/sub component
	JobsTopic       string        // JOBS_TOPIC: its topic, which is the queue's name
	BatchSize       int           // JOBS_BATCH_SIZE: most jobs daprd delivers at once
	BatchWait       time.Duration // JOBS_BATCH_WAIT: longest daprd waits to fill a batch
	MaxAttempts     int           // JOB_MAX_ATTEMPTS: attempts before dead-lettering
	JobTimeout      time.Duration // JOB_TIMEOUT: one attempt's limit
	MaxMessageBytes int           // MAX_MESSAGE_BYTES
	BannerActorType string        // BANNER_ACTOR_TYPE
	DrainTimeout    time.Duration // DRAIN_TIMEOUT: SIGTERM grace for in-flight jobs
	Instance        string        // INSTANCE_NAME: recorded on each commit
	AppAPIToken     string        // APP_API_TOKEN: what daprd must present
}

// LoadConfig reads the configuration; it reports every bad value at once.
func LoadConfig(lookup func(string) (string, bool)) (Config, []any, error) {
	l := envconfig.New(lookup)
	host, _ := os.Hostname()
	c := Config{
		Port:            l.Int("APP_PORT", 8090, 1, 65535),
		DaprHTTPPort:    l.Int("DAPR_HTTP_PORT", 3500, 1, 65535),
		DaprGRPCPort:    l.Int("DAPR_GRPC_PORT", 50001, 1, 65535),
		LogLevel:        l.String("LOG_LEVEL", "info"),
		JobStore:        l.String("JOB_STORE", "jobstore"),
		JobsPubSub:      l.String("JOBS_PUBSUB", "jobs"),
		JobsTopic:       l.String("JOBS_TOPIC", "jobs"),
		BatchSize:       l.Int("JOBS_BATCH_SIZE", 100, 1, 1000),
		BatchWait:       l.Duration("JOBS_BATCH_WAIT", 10*time.Millisecond),
		MaxAttempts:     l.Int("JOB_MAX_ATTEMPTS", 5, 1, 100),
		JobTimeout:      l.Duration("JOB_TIMEOUT", 30*time.Second),
		MaxMessageBytes: l.Int("MAX_MESSAGE_BYTES", 1<<20, 1024, 64<<20),
		BannerActorType: l.String("BANNER_ACTOR_TYPE", "Banner"),
		DrainTimeout:    l.Duration("DRAIN_TIMEOUT", 25*time.Second),
		AppAPIToken:     l.Secret("APP_API_TOKEN", ""),
	}
	c.Instance = l.String("INSTANCE_NAME", fmt.Sprintf("%s-%d", host, os.Getpid()))
	return c, l.Resolved(), l.Err()
}

// App is the running consumer.
type App struct {
	server     *httpserver.Server
	deliveries *api.Deliveries
	cfg        Config
	log        *slog.Logger
}

// New connects to the sidecar and builds the consumer.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, func(), error) {
	client, err := sidecar.Connect(ctx, fmt.Sprintf("127.0.0.1:%d", cfg.DaprGRPCPort), log)
	if err != nil {
		return nil, nil, err
	}
	metrics := observability.NewMetrics()
	proc := jobs.NewProcessor(jobstore.NewStore(client, cfg.JobStore), jobs.Handlers(client, cfg.BannerActorType), jobs.Config{
		MaxAttempts: cfg.MaxAttempts, Timeout: cfg.JobTimeout, Instance: cfg.Instance,
	}, log, metrics.Registry)
	deliveries := api.NewDeliveries(proc, cfg.MaxMessageBytes, cfg.BatchSize, log)
	mux := http.NewServeMux()
	// daprd reads the subscription once the app's port is open, then
	// delivers batches of jobs to api.Route.
	mux.Handle("GET /dapr/subscribe", api.Subscription{
		PubSub: cfg.JobsPubSub, Topic: cfg.JobsTopic, MaxBatch: cfg.BatchSize, MaxWait: cfg.BatchWait,
	}.Handler())
	mux.Handle("POST "+api.Route, metrics.Instrument("POST "+api.Route, httpserver.RequireAppToken(cfg.AppAPIToken, deliveries)))
	mux.HandleFunc("GET /healthz", httpserver.Healthz)
	mux.Handle("GET /readyz", httpserver.Readyz(map[string]func(context.Context) error{
		"dapr sidecar": httpserver.SidecarReady(cfg.DaprHTTPPort),
	}))
	mux.Handle("GET /metrics", metrics.Handler())

	// The server's own grace covers the drain plus the last responses.
	srv := httpserver.New(fmt.Sprintf(":%d", cfg.Port), mux, log, cfg.DrainTimeout+5*time.Second)
	return &App{server: srv, deliveries: deliveries, cfg: cfg, log: log}, func() { client.Close() }, nil
}

// Run serves until ctx ends. Then it stops taking jobs, lets the in-flight
// ones finish (so a scale-in loses nothing) and stops the server.
func (a *App) Run(ctx context.Context) error {
	go func() {
		<-ctx.Done()
		a.log.Info("draining: no new jobs, finishing in-flight ones", "timeout", a.cfg.DrainTimeout.String())
		if a.deliveries.Drain(a.cfg.DrainTimeout) {
			a.log.Info("drained")
		} else {
			a.log.Warn("drain timed out; unfinished jobs will be redelivered")
		}
	}()
	return a.server.Run(ctx)
}
