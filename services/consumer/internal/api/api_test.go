package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
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

func (b *blocking) Process(context.Context, []byte) error {
	first := false
	b.once.Do(func() { first = true; close(b.started) })
	if first {
		<-b.release
	}
	return nil
}

func (b *blocking) SetAside(context.Context, []byte, string) error { return nil }

func deliver(h http.Handler, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/jobs", strings.NewReader(body)))
	return rec
}

// On SIGTERM the binding refuses new deliveries (they go back to the queue
// for another replica) and waits for the ones in flight.
func TestDrainRefusesNewDeliveriesAndFinishesInFlightOnes(t *testing.T) {
	t.Parallel()
	p := &blocking{started: make(chan struct{}), release: make(chan struct{})}
	b := NewBinding(p, 1<<20, quiet)
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
	b := NewBinding(p, 1<<20, quiet)
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
	sc := daprtest.New()
	store := jobstore.NewStore(sc, "jobstore")
	p := jobs.NewProcessor(store, jobs.Handlers(sc, "Banner"), jobs.Config{MaxAttempts: 3, Timeout: time.Second, Instance: "test"}, quiet, prometheus.NewRegistry())
	b := NewBinding(p, 1024, quiet)
	for _, fill := range []string{"a", "b"} {
		body := `{"id":"big-` + fill + `","type":"work.simulate","payload":{"pad":"` + strings.Repeat(fill, 4096) + `"}}`
		if rec := deliver(b, body); rec.Code != http.StatusOK {
			t.Fatalf("oversize delivery answered %d %s, want 200 (acknowledged)", rec.Code, rec.Body)
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
