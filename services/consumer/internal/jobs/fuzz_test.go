package jobs

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/airdisplay/platform/services/contracts/banners"
	"github.com/airdisplay/platform/services/contracts/displaytext"
	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/services/contracts/jobstore"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
)

// processOutcomes is the expected end of known deliveries: the final
// status of the job's record, or "set aside" for what is not a job.
var processOutcomes = map[string]string{
	`{"id":"j1","type":"work.simulate","payload":{},"enqueuedAt":"2026-01-01T00:00:00Z"}`:                  "succeeded",
	`{"id":"j2","type":"work.simulate","payload":{"failAttempts":1}}`:                                      "succeeded",
	`{"id":"j3","type":"work.simulate","payload":{"cpuMs":999999999}}`:                                     "dead-lettered",
	`{"id":"j3b","type":"work.simulate","payload":{"sleepMs":1,"x":1}}`:                                    "dead-lettered",
	`{"id":"j3c","type":"work.simulate","payload":{"alwaysFail":true}}`:                                    "dead-lettered",
	`{"id":"j4","type":"banner.message","payload":{"bannerId":"gate-1","text":"hi","queue":true}}`:         "succeeded",
	`{"id":"j5","type":"banner.message","payload":{"bannerId":"Gate 1"}}`:                                  "dead-lettered",
	`{"id":"j5b","type":"banner.message","payload":{"bannerId":"gate-1","text":"\u001b[2J"}}`:              "dead-lettered",
	`{"id":"j5c","type":"banner.message","payload":{"bannerId":"gate-1","text":"a\u202eb"}}`:               "dead-lettered",
	"{\"id\":\"j5d\",\"type\":\"banner.message\",\"payload\":{\"bannerId\":\"gate-1\",\"text\":\"\xff\"}}": "dead-lettered",
	`{"id":"j6","type":"nope","payload":null}`:                                                             "dead-lettered",
	`{"id":"","type":"work.simulate"}`:                                                                     "set aside",
	`not json`:                                                                                             "set aside",
}

// FuzzProcess delivers arbitrary bytes as a job message to the real
// processor and handlers, over an in-memory sidecar (daprtest) whose
// banners show every message. Whatever arrives is settled within
// MaxAttempts deliveries and never crashes the consumer: a message that
// does not parse is set aside as a dead letter at once; any other ends
// succeeded or dead-lettered in its record. A known delivery ends as
// expected, and no banner is ever asked to show text that could not be
// shown (control, bidi override or isolate characters, invalid UTF-8).
func FuzzProcess(f *testing.F) {
	for s := range processOutcomes {
		f.Add([]byte(s))
	}
	const maxAttempts = 3
	sc := daprtest.New()
	var shownBad atomic.Value // the first unshowable text a banner got
	sc.Actor = func(_ context.Context, req *dapr.InvokeActorRequest) (*dapr.InvokeActorResponse, error) {
		var p banners.Post
		if json.Unmarshal(req.Data, &p) != nil || !utf8.Valid(req.Data) || displaytext.Problem(p.Text) != "" || displaytext.Problem(p.Author) != "" {
			shownBad.CompareAndSwap(nil, string(req.Data))
		}
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
		if bad := shownBad.Load(); bad != nil {
			t.Fatalf("a banner was asked to show %q", bad)
		}
		want, known := processOutcomes[string(raw)]
		msg, err := contract.DecodeMessage(raw)
		if err != nil {
			if known && want != "set aside" {
				t.Fatalf("%q set aside, want %s", raw, want)
			}
			return // set aside: the processor's own tests cover the record
		}
		rec, _, err := store.Get(ctx, msg.ID)
		if err != nil || rec == nil {
			t.Fatalf("%q: no record after processing (%v)", raw, err)
		}
		if !rec.Status.Final() {
			t.Fatalf("%q: record %s after an acknowledged delivery", raw, rec.Status)
		}
		if known && string(rec.Status) != want {
			t.Fatalf("%q: %s (%s), want %s", raw, rec.Status, rec.LastError, want)
		}
	})
}
