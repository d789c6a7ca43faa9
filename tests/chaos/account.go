package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/airdisplay/platform/tests/localstack"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"

	"github.com/airdisplay/platform/infra/local/stack"
	"github.com/airdisplay/platform/services/contracts/banners"
	contract "github.com/airdisplay/platform/services/contracts/jobs"
)

// runner holds one chaos run.
type runner struct {
	cfg       config
	stack     *stack.Stack
	redis     redis.UniversalClient
	api       *api
	ledger    ledger
	bannerIDs []string
}

// report is the account printed at the end.
type report struct {
	Faults []faultResult

	JobsSubmitted, JobsSucceeded, JobsDeadLettered int
	JobsDeadLetteredUnexpectedly                   int // work that should have succeeded
	JobsLost                                       int // accepted, never finished
	LostDetail                                     string
	QueueLeft                                      int // messages still ready in the jobs queue at the end
	EffectsDuplicated                              int // effect markers beyond one per succeeded job
	CommitsDoubled                                 int // jobs committed more than once, counted from the consumers' logs
	EffectsMissing                                 int // succeeded without its effect marker
	RequestsAbandoned                              int

	MessagesAccepted, MessagesRefused int
	MessagesLost                      int // accepted, never shown
	MessagesShownTwice                int
	MessagesOverwritten               int // shown before the one before it expired
	ExpiriesObserved, ExpiredLate     int
	lateAfter                         time.Duration
	WorstExpiryDelay                  time.Duration
	EventsMissing                     int // expiries with no banner-updated event
}

func (r *runner) run(ctx context.Context) (*report, error) {
	if err := r.registerBanners(ctx); err != nil {
		return nil, err
	}
	loadCtx, stopLoad := context.WithCancel(ctx)
	waitLoad := r.load(loadCtx)
	fmt.Printf("chaos: load running (%.0f jobs/s, %.1f banner posts/s over %d banners); first fault in %s\n",
		r.cfg.jobRate, r.cfg.bannerRate, len(r.bannerIDs), r.cfg.settle)

	rep := &report{}
	for _, name := range r.cfg.faults {
		if !sleep(ctx, r.cfg.settle) {
			stopLoad()
			return nil, ctx.Err()
		}
		f, _ := faultByName(name)
		rep.Faults = append(rep.Faults, r.inject(ctx, f))
	}
	sleep(ctx, r.cfg.settle)
	stopLoad()
	fmt.Println("chaos: load stopped; waiting for requests in flight")
	waitLoad()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	fmt.Printf("chaos: draining: every accepted job finished and every banner idle (up to %s)\n", r.cfg.drain)
	r.waitDrained(ctx)
	return rep, r.account(ctx, rep)
}

func (r *runner) registerBanners(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	run := time.Now().Unix() % 100000
	for i := range r.cfg.banners {
		id := fmt.Sprintf("chaos-%d-%d", run, i)
		body := banners.Registration{Name: fmt.Sprintf("Chaos %d", i), Location: "Gate C"}
		if _, _, err := r.api.retry(ctx, http.MethodPut, "banner-actor", "/v1/banners/"+id, body, func(code int, _ []byte) bool { return code == http.StatusOK }); err != nil {
			return fmt.Errorf("register banner %s: %w", id, err)
		}
		r.bannerIDs = append(r.bannerIDs, id)
	}
	return nil
}

// waitDrained waits until every accepted job is final and every banner
// has shown its queue, or the drain deadline passes (the account then
// shows what is missing).
func (r *runner) waitDrained(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.drain)
	defer cancel()
	for {
		recs := r.records(ctx)
		pending := 0
		for _, j := range r.ledger.jobs {
			if rec, ok := recs[j.ID]; !ok || !rec.Status.Final() {
				pending++
			}
		}
		busy := 0
		for _, id := range r.bannerIDs {
			if v, err := r.view(ctx, id); err != nil || v.Current != nil || len(v.Queue) > 0 {
				busy++
			}
		}
		if pending == 0 && busy == 0 {
			return
		}
		if !sleep(ctx, time.Second) {
			fmt.Printf("chaos: drain deadline passed with %d jobs unfinished and %d banners busy\n", pending, busy)
			return
		}
	}
}

func (r *runner) account(ctx context.Context, rep *report) error {
	recs := r.records(ctx)
	rep.JobsSubmitted = len(r.ledger.jobs)
	rep.RequestsAbandoned = r.ledger.gaveUp
	rep.MessagesRefused = r.ledger.refused
	accepted := map[string]acceptedMessage{}
	for _, m := range r.ledger.messages {
		accepted[m.ID] = m
	}
	succeeded := map[string]bool{}
	lostBy := map[string]int{}
	var lostFirst, lostLast time.Time
	for _, j := range r.ledger.jobs {
		rec, ok := recs[j.ID]
		switch {
		case !ok || !rec.Status.Final():
			rep.JobsLost++
			st := "no record"
			if ok {
				st = string(rec.Status)
			}
			lostBy[st]++
			if lostFirst.IsZero() || j.At.Before(lostFirst) {
				lostFirst = j.At
			}
			if j.At.After(lostLast) {
				lostLast = j.At
			}
		case rec.Status == contract.StatusSucceeded:
			rep.JobsSucceeded++
			succeeded[j.ID] = true
			if j.Kind == kindBannerPost {
				// The job's result says whether the banner took the message.
				var res struct{ Outcome string }
				if json.Unmarshal(rec.Result, &res) == nil && res.Outcome != banners.OutcomeConflict {
					accepted[j.ID] = acceptedMessage{ID: j.ID, Banner: j.Banner}
				}
			}
		default:
			rep.JobsDeadLettered++
			if j.Kind != kindFail {
				rep.JobsDeadLetteredUnexpectedly++
			}
		}
	}
	if rep.JobsLost > 0 {
		rep.QueueLeft = r.queueDepth()
		rep.LostDetail = fmt.Sprintf("by status %v, accepted from %s to %s; %d messages still in the queue", lostBy, lostFirst.UTC().Format(time.TimeOnly), lostLast.UTC().Format(time.TimeOnly), rep.QueueLeft)
	}
	// Effects: exactly one marker per succeeded job. Any other marker is a
	// job that ran although the client never got it accepted: a duplicate
	// of a submission the client retried.
	markers, err := r.effectMarkers(ctx)
	if err != nil {
		return err
	}
	for id := range succeeded {
		if !markers[id] {
			rep.EffectsMissing++
		}
	}
	for id := range markers {
		if !succeeded[id] {
			rep.EffectsDuplicated++
		}
	}
	// Commits counted apart from the markers, which a doubled commit would
	// rewrite: one "job succeeded" line per commit in the consumers' logs
	// (killed instances included; their logs are appended to).
	commits := map[string]int{}
	for _, in := range r.stack.Apps("consumer") {
		if err := countCommits(in.AppProcess().LogPath, commits); err != nil {
			return err
		}
	}
	for id := range succeeded {
		if commits[id] > 1 {
			rep.CommitsDoubled++
		}
	}

	// Banner messages, from each banner's own history.
	rep.MessagesAccepted = len(accepted)
	shown := map[string]int{}
	for _, id := range r.bannerIDs {
		v, err := r.view(ctx, id)
		if err != nil {
			return fmt.Errorf("read banner %s: %w", id, err)
		}
		for i, m := range v.History {
			shown[m.ID]++
			if i > 0 && m.ShownAt != nil && v.History[i-1].ExpiresAt != nil && m.ShownAt.Before(*v.History[i-1].ExpiresAt) {
				rep.MessagesOverwritten++
			}
		}
	}
	for id := range accepted {
		switch n := shown[id]; {
		case n == 0:
			rep.MessagesLost++
		case n > 1:
			rep.MessagesShownTwice++
		}
	}
	return r.accountExpiries(ctx, rep, accepted)
}

// accountExpiries measures how late each message came down: the
// banner-updated "expired" event, read from the pub/sub stream in Redis,
// against the message's expiresAt.
func (r *runner) accountExpiries(ctx context.Context, rep *report, accepted map[string]acceptedMessage) error {
	entries, err := r.redis.XRange(ctx, banners.Topic, "-", "+").Result()
	if err != nil {
		return fmt.Errorf("read the %s stream: %w", banners.Topic, err)
	}
	rep.lateAfter = r.cfg.lateAfter
	expiredAt := map[string]time.Time{}
	for _, e := range entries {
		raw, _ := e.Values["data"].(string)
		var ce struct {
			Data banners.Event `json:"data"`
		}
		if json.Unmarshal([]byte(raw), &ce) != nil || ce.Data.Change != "expired" || len(ce.Data.Banner.History) == 0 {
			continue
		}
		last := ce.Data.Banner.History[len(ce.Data.Banner.History)-1]
		if _, ok := accepted[last.ID]; !ok || last.ExpiresAt == nil {
			continue
		}
		if _, seen := expiredAt[last.ID]; !seen {
			expiredAt[last.ID] = ce.Data.At
			rep.ExpiriesObserved++
			delay := ce.Data.At.Sub(*last.ExpiresAt)
			if ce.Data.At.After(rep.expiryDeadline(*last.ExpiresAt)) {
				rep.ExpiredLate++
				if f := rep.faultBefore(*last.ExpiresAt); f != nil {
					f.ExpiredLate++
					f.WorstExpiryDelay = max(f.WorstExpiryDelay, delay)
				}
			}
			rep.WorstExpiryDelay = max(rep.WorstExpiryDelay, delay)
		}
	}
	rep.EventsMissing = max(rep.MessagesAccepted-rep.MessagesLost-rep.ExpiriesObserved, 0)
	return nil
}

// expiryDeadline is when a message due at due must be down: lateAfter
// after it, or lateAfter after the platform served again from a fault
// expiry depends on (fault.expiry) whose outage began before that and
// had not ended by due. Nothing can take a message down while its
// actor's process, placement or the state store is away; the rule is
// that it comes down within lateAfter of both its time and their return.
func (rep *report) expiryDeadline(due time.Time) time.Time {
	deadline := due.Add(rep.lateAfter)
	for _, f := range rep.Faults {
		back := f.Killed.Add(f.Recovered)
		if f.expiry && f.Killed.Before(deadline) && back.After(due) {
			deadline = later(deadline, back.Add(rep.lateAfter))
		}
	}
	return deadline
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// faultBefore is the last fault injected before t: the one a late expiry
// due at t is charged to. Nil before the first fault.
func (rep *report) faultBefore(t time.Time) *faultResult {
	var last *faultResult
	for i := range rep.Faults {
		if !rep.Faults[i].Killed.After(t) {
			last = &rep.Faults[i]
		}
	}
	return last
}

// records reads the records of every accepted job straight from Redis.
func (r *runner) records(ctx context.Context) map[string]contract.Record {
	r.ledger.mu.Lock()
	jobs := append([]acceptedJob(nil), r.ledger.jobs...)
	r.ledger.mu.Unlock()
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	return localstack.Records(ctx, r.redis, ids)
}

// queueDepth is the number of ready messages in the jobs queue, or -1.
func (r *runner) queueDepth() int {
	conn, err := amqp.Dial(r.stack.RabbitURL)
	if err != nil {
		return -1
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return -1
	}
	q, err := ch.QueueDeclarePassive("jobs", true, false, false, false, nil)
	if err != nil {
		return -1
	}
	return q.Messages
}

// effectMarkers lists the job ids that have an effect marker.
func (r *runner) effectMarkers(ctx context.Context) (map[string]bool, error) {
	keys, err := localstack.ScanKeys(ctx, r.redis, localstack.StoreKey("effect/*"))
	out := map[string]bool{}
	for _, k := range keys {
		if id, ok := contract.JobIDOfEffectKey(strings.TrimPrefix(k, localstack.StoreKey(""))); ok {
			out[id] = true
		}
	}
	return out, err
}

func (r *runner) view(ctx context.Context, id string) (banners.View, error) {
	var v banners.View
	code, data, err := r.api.do(ctx, http.MethodGet, "banner-actor", "/v1/banners/"+id, nil)
	if err != nil {
		return v, err
	}
	if code != http.StatusOK {
		return v, fmt.Errorf("GET banner %s: %d %s", id, code, data)
	}
	return v, json.Unmarshal(data, &v)
}

// problems lists the broken invariants.
func (rep *report) problems() []string {
	var p []string
	for _, f := range rep.Faults {
		if f.Err != "" {
			p = append(p, fmt.Sprintf("fault %s: %s", f.Name, f.Err))
		}
	}
	check := func(n int, what string) {
		if n > 0 {
			p = append(p, fmt.Sprintf("%d %s", n, what))
		}
	}
	check(rep.JobsLost, "jobs lost "+rep.LostDetail)
	check(rep.EffectsDuplicated, "duplicated side effects")
	check(rep.CommitsDoubled, "jobs committed more than once (consumers' logs)")
	check(rep.JobsDeadLetteredUnexpectedly, "jobs dead-lettered although meant to succeed")
	check(rep.ExpiredLate, fmt.Sprintf("banner messages expired more than %s after expiresAt and after the processes expiry needs served again (worst delay %s)", rep.lateAfter, rep.WorstExpiryDelay.Round(time.Millisecond)))
	check(rep.EffectsMissing, "succeeded jobs without their side effect")
	check(rep.MessagesLost, "banner messages lost")
	check(rep.MessagesShownTwice, "banner messages shown twice")
	check(rep.MessagesOverwritten, "banner messages overwritten")
	if rep.JobsSubmitted == 0 || rep.MessagesAccepted == 0 {
		p = append(p, "the load got nothing accepted")
	}
	return p
}

func (rep *report) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nFAULT (SIGKILL)\tRESTARTED AFTER\tSERVING AGAIN AFTER\tEXPIRED LATE AFTER IT\tWORST DELAY\tERROR")
	for _, f := range rep.Faults {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", f.Name, f.Restarted.Round(time.Millisecond), f.Recovered.Round(time.Millisecond),
			f.ExpiredLate, f.WorstExpiryDelay.Round(time.Millisecond), f.Err)
	}
	tw.Flush()
	rows := [][2]string{
		{"jobs submitted (accepted by the producer)", fmt.Sprint(rep.JobsSubmitted)},
		{"  succeeded", fmt.Sprint(rep.JobsSucceeded)},
		{"  dead-lettered (alwaysFail jobs, by design)", fmt.Sprint(rep.JobsDeadLettered - rep.JobsDeadLetteredUnexpectedly)},
		{"  dead-lettered although meant to succeed (must be 0)", fmt.Sprint(rep.JobsDeadLetteredUnexpectedly)},
		{"  lost (must be 0)", fmt.Sprint(rep.JobsLost)},
		{"  duplicated side effects (must be 0)", fmt.Sprint(rep.EffectsDuplicated)},
		{"  committed more than once, from the logs (must be 0)", fmt.Sprint(rep.CommitsDoubled)},
		{"  succeeded without side effect (must be 0)", fmt.Sprint(rep.EffectsMissing)},
		{"requests abandoned at the end of the run", fmt.Sprint(rep.RequestsAbandoned)},
		{"banner messages accepted (posts and banner.message jobs)", fmt.Sprint(rep.MessagesAccepted)},
		{"  refused (queue full)", fmt.Sprint(rep.MessagesRefused)},
		{"  lost (must be 0)", fmt.Sprint(rep.MessagesLost)},
		{"  shown twice (must be 0)", fmt.Sprint(rep.MessagesShownTwice)},
		{"  overwritten (must be 0)", fmt.Sprint(rep.MessagesOverwritten)},
		{"  expiries observed on pub/sub", fmt.Sprint(rep.ExpiriesObserved)},
		{"  expiry events not seen", fmt.Sprint(rep.EventsMissing)},
		{"  expired late, outages allowed for (must be 0)", fmt.Sprint(rep.ExpiredLate)},
		{"  worst expiry delay", rep.WorstExpiryDelay.Round(time.Millisecond).String()},
	}
	fmt.Fprintln(tw, "\nACCOUNT\tCOUNT")
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	tw.Flush()
}

// countCommits adds, per job id, the "job succeeded" lines (one per
// commit, logged at debug) of a consumer's JSON log.
func countCommits(path string, into map[string]int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		i := bytes.IndexByte(line, '{')
		if i < 0 || !bytes.Contains(line, []byte(`"msg":"job succeeded"`)) {
			continue
		}
		var rec struct {
			Msg   string `json:"msg"`
			JobID string `json:"job_id"`
		}
		if json.Unmarshal(line[i:], &rec) == nil && rec.Msg == "job succeeded" {
			into[rec.JobID]++
		}
	}
	return sc.Err()
}
