package jobs

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/airdisplay/platform/services/contracts/banners"
	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/contracts/jobstore"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
)

// FuzzProcess delivers arbitrary bytes as a job message to the real
// processor and handlers, over an in-memory sidecar (daprtest) whose
// banners show every message. Whatever arrives is settled within
// MaxAttempts deliveries and never crashes the consumer: a message that
// does not parse is set aside as a dead letter at once; any other ends
// succeeded or dead-lettered in its record.
func FuzzProcess(f *testing.F) {
	for _, s := range []string{
		`{"id":"j1","type":"work.simulate","payload":{"sleepMs":1},"enqueuedAt":"2026-01-01T00:00:00Z"}`,
		`{"id":"j2","type":"work.simulate","payload":{"failAttempts":1}}`,
		`{"id":"j3","type":"work.simulate","payload":{"cpuMs":999999999}}`,
		`{"id":"j4","type":"banner.message","payload":{"bannerId":"gate-1","text":"hi","queue":true}}`,
		`{"id":"j5","type":"banner.message","payload":{"bannerId":"Gate 1"}}`,
		`{"id":"j6","type":"nope","payload":null}`,
		`{"id":"","type":"work.simulate"}`,
		`not json`,
	} {
		f.Add([]byte(s))
	}
	const maxAttempts = 3
	sc := daprtest.New()
	sc.Actor = func(context.Context, *dapr.InvokeActorRequest) (*dapr.InvokeActorResponse, error) {
		data, _ := json.Marshal(banners.PostResult{Outcome: banners.OutcomeShown})
		return &dapr.InvokeActorResponse{Data: data}, nil
	}
	store := jobstore.NewStore(sc, "jobstore")
	p := NewProcessor(store, Handlers(sc, banners.ActorType), Config{MaxAttempts: maxAttempts, Timeout: 2 * time.Millisecond, Instance: "fuzz"},
		slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	ctx := context.Background()

	f.Fuzz(func(t *testing.T, raw []byte) {
		settled := false
		for range maxAttempts {
			if p.Process(ctx, raw) == nil {
				settled = true
				break
			}
		}
		if !settled {
			t.Fatalf("%q not settled after %d deliveries", raw, maxAttempts)
		}
		var msg contract.Message
		if json.Unmarshal(raw, &msg) != nil || msg.ID == "" || msg.Type == "" {
			return // set aside: the processor's own tests cover the record
		}
		rec, _, err := store.Get(ctx, msg.ID)
		if err != nil || rec == nil {
			t.Fatalf("%q: no record after processing (%v)", raw, err)
		}
		if !rec.Status.Final() {
			t.Fatalf("%q: record %s after an acknowledged delivery", raw, rec.Status)
		}
	})
}
