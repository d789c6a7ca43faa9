// Package sidecar connects a service to its Dapr sidecar.
package sidecar

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	dapr "github.com/dapr/go-sdk/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
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

// IsConflict recognises the sidecar's answer to a state write whose ETag or
// first-write condition failed: another writer changed the key first.
func IsConflict(err error) bool {
	if err == nil {
		return false
	}
	if status.Code(err) == codes.Aborted {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "etag mismatch") || strings.Contains(msg, "failed to set key")
}
