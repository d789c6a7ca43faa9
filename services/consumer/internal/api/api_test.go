package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/airdisplay/platform/services/consumer/internal/jobs"
	"github.com/airdisplay/platform/services/contracts/jobstore"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// blocking holds the first delivery until release is closed; later ones
// finish at once.
type blocking struct {
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blocking) ProcessBatch(_ context.Context, raws [][]byte) []error {
	first := false
	b.once.Do(func() { first = true; close(b.started) })
	if first {
		<-b.release
	}
	return make([]error, len(raws))
}

func (b *blocking) SetAside(context.Context, []byte, string) error { return nil }

// deliver posts messages as daprd's bulk subscribe does with rawPayload:
// each one base64-encoded in an entry of its own.
func deliver(h http.Handler, messages ...string) *httptest.ResponseRecorder {
	type entry struct {
		EntryID string `json:"entryId"`
		Event   string `json:"event"`
	}
	var env struct {
		Entries []entry `json:"entries"`
	}
	for i, m := range messages {
		env.Entries = append(env.Entries, entry{EntryID: strconv.Itoa(i), Event: base64.StdEncoding.EncodeToString([]byte(m))})
	}
	body, _ := json.Marshal(env)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, Route, bytes.NewReader(body)))
	return rec
}

// statuses decodes the app's answer: entry id → status.
func statuses(t *testing.T, rec *httptest.ResponseRecorder) map[string]string {
	t.Helper()
	var out struct {
		Statuses []struct{ EntryID, Status string }
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
		t.Fatalf("bulk delivery answered %d %s", rec.Code, rec.Body)
	}
	m := map[string]string{}
	for _, s := range out.Statuses {
		m[s.EntryID] = s.Status
	}
	return m
}

// realDeliveries is the delivery endpoint over the real processor and job
// handlers, on an in-memory sidecar; it returns the job store too.
func realDeliveries(maxMessage, maxBatch int) (*Deliveries, *jobstore.Store) {
	sc := daprtest.New()
	store := jobstore.NewStore(sc, "jobstore")
	p := jobs.NewProcessor(store, jobs.Handlers(sc, "Banner"), jobs.Config{MaxAttempts: 3, Timeout: time.Second, Instance: "test"}, quiet, prometheus.NewRegistry())
	return NewDeliveries(p, maxMessage, maxBatch, quiet), store
}

// On SIGTERM the endpoint refuses new deliveries (they go back to the queue
// for another replica) and waits for the ones in flight.
func TestDrainRefusesNewDeliveriesAndFinishesInFlightOnes(t *testing.T) {
	t.Parallel()
	p := &blocking{started: make(chan struct{}), release: make(chan struct{})}
	b := NewDeliveries(p, 1<<20, 100, quiet)
	inFlight := make(chan *httptest.ResponseRecorder)
	go func() { inFlight <- deliver(b, `{}`) }()
	<-p.started

	drained := make(chan bool)
	go func() { drained <- b.Drain(time.Minute) }()
	// A new delivery is refused once draining has begun.
	for tries := 0; ; tries++ {
		if rec := deliver(b, `{}`); rec.Code == http.StatusServiceUnavailable {
			break
		}
		if tries == 100_000 {
			t.Fatal("new deliveries are still accepted while draining")
		}
		runtime.Gosched()
	}
	select {
	case <-drained:
		t.Fatal("drain returned while a job was in flight")
	default:
	}
	close(p.release)
	if rec := <-inFlight; rec.Code != http.StatusOK {
		t.Fatalf("in-flight delivery answered %d, want 200", rec.Code)
	}
	if !<-drained {
		t.Fatal("drain reported unfinished jobs although every one finished")
	}
}

// A job still running at DRAIN_TIMEOUT does not hold the shutdown: Drain
// gives up after the grace it was given and says so.
func TestDrainGivesUpAfterTheTimeout(t *testing.T) {
	t.Parallel()
	p := &blocking{started: make(chan struct{}), release: make(chan struct{})}
	defer close(p.release)
	b := NewDeliveries(p, 1<<20, 100, quiet)
	go deliver(b, `{}`)
	<-p.started
	if b.Drain(10 * time.Millisecond) {
		t.Fatal("drain reported success with a job still running")
	}
}

// An oversize delivery is acknowledged and set aside as a dead letter of
// its own: two different oversize messages are two poison records.
func TestOversizeDeliveriesAreSetAsideEachOnItsOwn(t *testing.T) {
	t.Parallel()
	b, store := realDeliveries(1024, 100)
	for _, fill := range []string{"a", "b"} {
		body := `{"id":"big-` + fill + `","type":"work.simulate","payload":{"pad":"` + strings.Repeat(fill, 4096) + `"}}`
		if st := statuses(t, deliver(b, body)); st["0"] != "SUCCESS" {
			t.Fatalf("oversize delivery answered %v, want SUCCESS (acknowledged)", st)
		}
	}
	dl, err := store.DeadLetters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(dl) != 2 || dl[0].ID == dl[1].ID {
		t.Fatalf("dead letters %+v, want two distinct poison records", dl)
	}
	for _, r := range dl {
		if !strings.HasPrefix(r.ID, "poison-") || !strings.Contains(r.LastError, "exceeds the consumer's limit of 1024 bytes") {
			t.Errorf("dead letter %s: %q", r.ID, r.LastError)
		}
	}
}

// In a batch, each entry gets its own answer: a job that failed goes back
// to the queue (RETRY) while the others in its batch are acknowledged.
func TestABatchAnswersForEachEntry(t *testing.T) {
	t.Parallel()
	sc := daprtest.New()
	store := jobstore.NewStore(sc, "jobstore")
	p := jobs.NewProcessor(store, jobs.Handlers(sc, "Banner"), jobs.Config{MaxAttempts: 3, Timeout: time.Second, Instance: "test"}, quiet, prometheus.NewRegistry())
	b := NewDeliveries(p, 1<<20, 100, quiet)
	st := statuses(t, deliver(b,
		`{"id":"ok-1","type":"work.simulate","payload":{}}`,
		`{"id":"fails","type":"work.simulate","payload":{"failAttempts":1}}`,
		`{"id":"ok-2","type":"work.simulate","payload":{}}`,
	))
	if want := map[string]string{"0": "SUCCESS", "1": "RETRY", "2": "SUCCESS"}; !maps.Equal(st, want) {
		t.Fatalf("statuses %v, want %v", st, want)
	}
	for id, want := range map[string]string{"ok-1": "succeeded", "fails": "failed", "ok-2": "succeeded"} {
		rec, _, err := store.Get(context.Background(), id)
		if err != nil || rec == nil || string(rec.Status) != want {
			t.Errorf("job %s: %+v %v, want %s", id, rec, err, want)
		}
	}
}

// daprd reads the subscription once: a bulk subscription to the topic,
// raw payloads, and RabbitMQ's queue named after the topic (KEDA watches
// that queue).
func TestTheSubscriptionAsksForBulkRawDeliveriesFromTheQueue(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	Subscription{PubSub: "jobs", Topic: "work", MaxBatch: 50, MaxWait: 20 * time.Millisecond}.Handler().
		ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/dapr/subscribe", nil))
	var subs []struct {
		PubSubName, Topic, Route string
		Metadata                 map[string]string
		BulkSubscribe            struct {
			Enabled            bool
			MaxMessagesCount   int
			MaxAwaitDurationMs int
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &subs); err != nil || len(subs) != 1 {
		t.Fatalf("subscriptions %s: %v", rec.Body, err)
	}
	s := subs[0]
	if s.PubSubName != "jobs" || s.Topic != "work" || s.Route != Route || s.Metadata["rawPayload"] != "true" || s.Metadata["queueName"] != "work" ||
		!s.BulkSubscribe.Enabled || s.BulkSubscribe.MaxMessagesCount != 50 || s.BulkSubscribe.MaxAwaitDurationMs != 20 {
		t.Fatalf("subscription %+v", s)
	}
}

// A message far over the limit, in a batch of one (where the body limit
// follows the message limit), is still set aside on its own, not refused
// with the whole body, which daprd would deliver again forever.
func TestAMessageOverTheBodyLimitIsSetAsideNotRefused(t *testing.T) {
	t.Parallel()
	b, store := realDeliveries(1024, 1)
	body := `{"id":"huge","type":"work.simulate","payload":{"pad":"` + strings.Repeat("x", 4<<20) + `"}}`
	if st := statuses(t, deliver(b, body)); st["0"] != "SUCCESS" {
		t.Fatalf("a 4 MiB message answered %v, want SUCCESS (set aside)", st)
	}
	if dl, err := store.DeadLetters(context.Background()); err != nil || len(dl) != 1 {
		t.Fatalf("dead letters %+v %v, want the message set aside", dl, err)
	}
}
