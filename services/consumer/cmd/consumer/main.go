// Command consumer processes jobs delivered in batches from the Dapr `jobs`
// pub/sub topic (bulk subscribe).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/airdisplay/platform/services/consumer/internal/service"
	"github.com/airdisplay/platform/services/daprapp/observability"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, resolved, err := service.LoadConfig(os.LookupEnv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := observability.NewLogger(os.Stdout, "consumer", cfg.LogLevel)
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
