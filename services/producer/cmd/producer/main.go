// Command producer takes jobs over REST and publishes them to the queue, the
// Dapr `jobs` pub/sub topic.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/airdisplay/platform/services/daprapp/observability"
	"github.com/airdisplay/platform/services/producer/internal/service"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "producer:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, resolved, err := service.LoadConfig(os.LookupEnv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := observability.NewLogger(os.Stdout, "producer", cfg.LogLevel)
	log.Info("starting", resolved...)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	app, cleanup, err := service.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer cleanup()
	if err := app.Run(ctx); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}
