// Package api is the consumer's HTTP surface: the subscription daprd reads
// at start (GET /dapr/subscribe), the route it delivers batches of jobs to
// (POST /jobs, Dapr bulk subscribe), plus probes and metrics.
package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airdisplay/platform/services/daprapp/observability"
)

// Route is where daprd delivers the job queue's batches.
const Route = "/jobs"

// Processor handles a batch of delivered messages, or sets aside one that
// can never be processed.
type Processor interface {
	ProcessBatch(ctx context.Context, raws [][]byte) []error
	SetAside(ctx context.Context, raw []byte, reason string) error
}

// Subscription is what the consumer asks daprd to deliver.
type Subscription struct {
	PubSub string // the pub/sub component (JOBS_PUBSUB)
	Topic  string // the topic, which is also the queue's name (JOBS_TOPIC)
	// MaxBatch and MaxWait bound a batch: daprd delivers up to MaxBatch
	// messages at once, or what it has after MaxWait.
	MaxBatch int
	MaxWait  time.Duration
}

// Handler answers GET /dapr/subscribe: one bulk subscription to the job
// queue. rawPayload: the queue carries the producer's JSON as it is (no
// CloudEvents envelope), so anything put on the queue by other means is
// still delivered, and set aside if it is not a job. queueName: RabbitMQ
// names its queue after the topic, as KEDA expects (Service Bus queues
// ignore it: the topic is the queue).
func (s Subscription) Handler() http.Handler {
	body, _ := json.Marshal([]map[string]any{{
		"pubsubname": s.PubSub,
		"topic":      s.Topic,
		"route":      Route,
		"metadata":   map[string]string{"rawPayload": "true", "queueName": s.Topic},
		"bulkSubscribe": map[string]any{
			"enabled":            true,
			"maxMessagesCount":   s.MaxBatch,
			"maxAwaitDurationMs": max(1, s.MaxWait.Milliseconds()), // 0 would mean daprd's 1 s
		},
	}})
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
}

// Deliveries receives batches of jobs and drains them on shutdown.
type Deliveries struct {
	proc       Processor
	log        *slog.Logger
	maxMessage int
	maxBody    int64
	draining   atomic.Bool
	inFlight   sync.WaitGroup
}

// NewDeliveries returns the delivery endpoint for batches of up to
// maxBatch messages of up to maxMessage bytes each.
func NewDeliveries(p Processor, maxMessage, maxBatch int, log *slog.Logger) *Deliveries {
	// Base64 makes each message 4/3 its size; the envelope adds little.
	perEntry := int64(maxMessage)*4/3 + 4<<10
	// The body must fit even when a message is over the limit (sent by
	// someone other than the producer), so that it is set aside entry by
	// entry: a batch refused whole would come back forever. minBody is
	// over RabbitMQ's largest message (16 MiB by default) in base64.
	return &Deliveries{proc: p, maxMessage: maxMessage, maxBody: max(int64(maxBatch)*perEntry+1<<20, minBody), log: log}
}

// minBody is the least body size a delivery endpoint accepts.
const minBody = 64 << 20

// envelope is Dapr's bulk delivery: one entry per message.
type envelope struct {
	Entries []struct {
		EntryID string          `json:"entryId"`
		Event   json.RawMessage `json:"event"`
	} `json:"entries"`
}

// status is the app's answer for one entry: SUCCESS acknowledges it, RETRY
// makes daprd retry it and then hand it back to the queue.
type status struct {
	EntryID string `json:"entryId"`
	Status  string `json:"status"`
}

// ServeHTTP takes one batch and answers for each entry.
func (d *Deliveries) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if d.draining.Load() {
		// Shutting down: the whole batch goes back for another instance.
		http.Error(w, "draining", http.StatusServiceUnavailable)
		return
	}
	d.inFlight.Add(1)
	defer d.inFlight.Done()
	var env envelope
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, d.maxBody)).Decode(&env); err != nil {
		http.Error(w, "bulk delivery: "+err.Error(), http.StatusBadRequest)
		return
	}
	// The jobs run to completion even if daprd gives up waiting: their
	// outcomes are committed, and a redelivery finds them.
	ctx := context.WithoutCancel(r.Context())
	out := make([]status, len(env.Entries))
	var raws [][]byte
	var at []int
	for i, e := range env.Entries {
		out[i] = status{EntryID: e.EntryID, Status: "SUCCESS"}
		raw := eventBytes(e.Event)
		if len(raw) > d.maxMessage {
			// An oversize message can never be processed: it is set
			// aside under an id from its bytes, not redelivered.
			if err := d.proc.SetAside(ctx, raw, fmt.Sprintf("exceeds the consumer's limit of %d bytes (MAX_MESSAGE_BYTES)", d.maxMessage)); err != nil {
				out[i].Status = "RETRY"
			}
			continue
		}
		raws = append(raws, raw)
		at = append(at, i)
	}
	if len(raws) > 0 {
		for j, err := range d.proc.ProcessBatch(ctx, raws) {
			if err != nil {
				out[at[j]].Status = "RETRY"
				d.log.Debug("delivery not acknowledged", "error", err, "trace_id", observability.TraceID(r.Context()))
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"statuses": out})
}

// eventBytes returns a delivered message's bytes. With rawPayload daprd
// sends them base64-encoded in a JSON string; anything else (a CloudEvent,
// should the subscription change) is passed on as the JSON it is, and set
// aside as poison unless it is a job.
func eventBytes(ev json.RawMessage) []byte {
	var s string
	if json.Unmarshal(ev, &s) == nil {
		if raw, err := base64.StdEncoding.DecodeString(s); err == nil {
			return raw
		}
		return []byte(s)
	}
	return ev
}

// Drain refuses new deliveries and waits up to grace for in-flight ones.
// It reports whether every in-flight job finished.
func (d *Deliveries) Drain(grace time.Duration) bool {
	d.draining.Store(true)
	done := make(chan struct{})
	go func() { d.inFlight.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(grace):
		return false
	}
}
