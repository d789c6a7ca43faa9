package jobs

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
)

// The `jobs` component publishes to RabbitMQ without publisher confirms
// (with them Dapr 1.16's pubsub.rabbitmq sends one message at a time), and
// without confirms RabbitMQ does not sync a classic queue to disk: a broker
// killed with a backlog loses every message it had not yet written out
// (make chaos lost ~13 s of backlog this way), although each publish
// returned no error. Such a loss is always followed by a send that fails,
// or by one that is slow because the sidecar reconnected to the broker
// within it (pubsub.rabbitmq retries a failed publish after
// reconnectWaitSeconds and then reports success). So the Submitter
// remembers the last MaxTracked jobs it sent; when a send fails or takes
// longer than SlowSend, all of them become suspect, and once sends succeed
// again, each suspect that has not finished is sent again under its own
// id. A message that had in fact survived is then delivered twice, which
// the consumer already handles: a finished job is acknowledged as a
// duplicate, and the effect marker is written once.

// SlowSend is how long a publish may take before the jobs sent ahead of it
// are suspect: a publish takes about a millisecond, a reconnect seconds.
const SlowSend = time.Second

// MaxTracked bounds the jobs remembered for a resend: a larger backlog than
// this, lost by a killed broker, is recovered only in part.
const MaxTracked = 100_000

// resends tracks recent sends and suspects.
type resends struct {
	mu         sync.Mutex
	recent     []string // ids, oldest first, at most MaxTracked
	suspects   map[string]struct{}
	lastFailed time.Time
	lastOK     time.Time
}

func (r *resends) sent(id string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.recent) >= MaxTracked {
		r.recent = append(r.recent[:0], r.recent[len(r.recent)-MaxTracked/2:]...)
	}
	r.recent = append(r.recent, id)
	r.lastOK = now
}

// failed marks every recent send suspect, and the job whose send failed
// too: a job whose record stays (a dead letter being replayed) is sent
// once sends work again.
func (r *resends) failed(id string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.suspectRecent(now)
	r.suspects[id] = struct{}{}
}

// slow marks every recent send suspect: a send took SlowSend or more, so
// the broker connection may have been lost and re-made meanwhile.
func (r *resends) slow(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.suspectRecent(now)
}

func (r *resends) suspectRecent(now time.Time) {
	if r.suspects == nil {
		r.suspects = map[string]struct{}{}
	}
	for _, id := range r.recent {
		r.suspects[id] = struct{}{}
	}
	r.recent = r.recent[:0]
	r.lastFailed = now
}

// due returns the suspects to check, once sends have worked again since
// the last failure; they leave the set (a failed resend puts them back).
func (r *resends) due() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.suspects) == 0 || !r.lastOK.After(r.lastFailed) {
		return nil
	}
	ids := make([]string, 0, len(r.suspects))
	for id := range r.suspects {
		ids = append(ids, id)
	}
	clear(r.suspects)
	return ids
}

func (r *resends) suspect(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.suspects[id] = struct{}{}
}

// ResendSuspects checks the suspects every interval until ctx ends and
// sends again those no consumer has seen. main runs it beside the server.
func (s *Submitter) ResendSuspects(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ids := s.resends.due()
		checked, resent := len(ids), 0
		for len(ids) > 0 {
			chunk := ids[:min(len(ids), resendChunk)]
			ids = ids[len(chunk):]
			n, err := s.resendUnfinished(ctx, chunk)
			resent += n
			if err != nil {
				log.Warn("resend suspect jobs", "jobs", len(chunk), "error", err)
			}
		}
		if checked > 0 {
			log.Info("checked jobs sent before a failed send", "checked", checked, "resent", resent)
		}
	}
}

// resendChunk is how many suspects one read and one publish check.
const resendChunk = 100

// resendUnfinished reads the jobs' records in one call and sends again,
// together, those that have not finished; it returns how many it sent. One
// a consumer is running may get a second delivery; the effect marker keeps
// its effects single. Jobs it could not check or send stay suspect.
func (s *Submitter) resendUnfinished(ctx context.Context, ids []string) (int, error) {
	got, err := s.store.GetMany(ctx, ids)
	if err != nil {
		for _, id := range ids {
			s.resends.suspect(id)
		}
		return 0, err
	}
	var recs []*contract.Record
	for _, id := range ids {
		if rec := got[id].Rec; rec != nil && !rec.Status.Final() {
			recs = append(recs, rec)
		}
	}
	sent := 0
	var errs []error
	for _, err := range s.sendMany(ctx, recs, make([]string, len(recs))) {
		if err != nil {
			// sendMany's failure made it a suspect again.
			errs = append(errs, err)
			continue
		}
		sent++
		s.resent.Inc()
	}
	return sent, errors.Join(errs...)
}
