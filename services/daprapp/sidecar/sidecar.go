// Package sidecar connects a service to its Dapr sidecar.
package sidecar

import (
	"context"
	"fmt"
	"log/slog"

	dapr "github.com/dapr/go-sdk/client"
)

// Connect returns a client of the sidecar's gRPC API at addr. The sidecar
// may start after the app (or restart under it), so Connect keeps trying,
// each try bounded by DAPR_CLIENT_TIMEOUT_SECONDS (5 s by default), until
// it succeeds or ctx ends.
func Connect(ctx context.Context, addr string, log *slog.Logger) (dapr.Client, error) {
	for attempt := 1; ; attempt++ {
		c, err := dapr.NewClientWithAddressContext(ctx, addr)
		if err == nil {
			return c, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("connect to the dapr sidecar at %s: %w", addr, err)
		}
		log.Warn("dapr sidecar not reachable yet; retrying", "addr", addr, "attempt", attempt, "error", err)
	}
}
