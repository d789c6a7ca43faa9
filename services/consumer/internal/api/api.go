// Package api is the consumer's HTTP surface: the route daprd delivers the
// `jobs` input binding to, plus probes and metrics.
package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airdisplay/platform/services/daprapp/observability"
)

// Processor handles one delivered message, or sets aside one that can
// never be processed.
type Processor interface {
	Process(ctx context.Context, raw []byte) error
	SetAside(ctx context.Context, raw []byte, reason string) error
}

// Binding receives deliveries and drains them on shutdown.
type Binding struct {
	proc     Processor
	log      *slog.Logger
	maxBody  int64
	draining atomic.Bool
	inFlight sync.WaitGroup
}

// NewBinding returns the delivery endpoint.
func NewBinding(p Processor, maxBody int64, log *slog.Logger) *Binding {
	return &Binding{proc: p, maxBody: maxBody, log: log}
}

// ServeHTTP takes one delivery. 200 acknowledges it; any other status makes
// daprd retry and then return it to the queue.
func (b *Binding) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if b.draining.Load() {
		// Shutting down: hand the message back for another instance.
		http.Error(w, "draining", http.StatusServiceUnavailable)
		return
	}
	b.inFlight.Add(1)
	defer b.inFlight.Done()
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, b.maxBody))
	// The job runs to completion even if daprd gives up waiting: its
	// outcome is committed, and a redelivery finds it.
	ctx := context.WithoutCancel(r.Context())
	if err != nil {
		// An oversize message can never be processed: it is set aside,
		// not redelivered, under an id from what was read of it, so two
		// oversize messages are two dead letters.
		err = b.proc.SetAside(ctx, raw, fmt.Sprintf("exceeds the consumer's limit of %d bytes (MAX_MESSAGE_BYTES); %v", b.maxBody, err))
	} else {
		err = b.proc.Process(ctx, raw)
	}
	if err != nil {
		b.log.Debug("delivery not acknowledged", "error", err, "trace_id", observability.TraceID(r.Context()))
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte("{}"))
}

// Drain refuses new deliveries and waits up to grace for in-flight ones.
// It reports whether every in-flight job finished.
func (b *Binding) Drain(grace time.Duration) bool {
	b.draining.Store(true)
	done := make(chan struct{})
	go func() { b.inFlight.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(grace):
		return false
	}
}
