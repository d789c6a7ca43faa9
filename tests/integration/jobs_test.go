package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
)

// Bad requests are answered 400 naming the field and the reason, and
// nothing reaches the queue.
func TestBadJobRequestsAre400AndEnqueueNothing(t *testing.T) {
	before := metric(t, "jobs_enqueued_total", producerURL())
	huge := strings.Repeat("x", 9<<20)
	cases := []struct {
		name, body, field, reason string
	}{
		{"malformed JSON", `{"type":`, "body", "malformed JSON"},
		{"not an object", `[1,2]`, "body", "must be an object"},
		{"unknown field", `{"type":"work.simulate","payload":{},"priority":1}`, "priority", "not a known field"},
		{"missing type", `{"payload":{"sleepMs":1}}`, "type", "is required"},
		{"unknown type", `{"type":"mine.bitcoin","payload":{}}`, "type", "unknown job type"},
		{"missing payload", `{"type":"work.simulate"}`, "payload", "is required"},
		{"payload wrong type", `{"type":"work.simulate","payload":"fast"}`, "payload", "must be an object"},
		{"payload field wrong type", `{"type":"work.simulate","payload":{"sleepMs":"10"}}`, "payload.sleepMs", "must be an integer"},
		{"payload out of range", `{"type":"work.simulate","payload":{"sleepMs":-1}}`, "payload.sleepMs", "from 0 to 60000"},
		{"banner id invalid", `{"type":"banner.message","payload":{"bannerId":"Gate 12!","text":"hi"}}`, "payload.bannerId", "lower-case"},
		{"banner text empty", `{"type":"banner.message","payload":{"bannerId":"gate-12","text":"  "}}`, "payload.text", "is required"},
		{"banner text with ESC", `{"type":"banner.message","payload":{"bannerId":"gate-12","text":"\u001b[31mred"}}`, "payload.text", "control characters"},
		{"banner text with RLO", `{"type":"banner.message","payload":{"bannerId":"gate-12","text":"a\u202eb"}}`, "payload.text", "bidirectional"},
		{"banner author with isolate", `{"type":"banner.message","payload":{"bannerId":"gate-12","text":"ok","author":"\u2067x"}}`, "payload.author", "bidirectional"},
		{"banner text invalid UTF-8", "{\"type\":\"banner.message\",\"payload\":{\"bannerId\":\"gate-12\",\"text\":\"\xff\"}}", "payload.text", "valid UTF-8"},
		{"banner text lone surrogate", `{"type":"banner.message","payload":{"bannerId":"gate-12","text":"\udc00"}}`, "payload.text", "valid UTF-8"},
		{"banner text too long", `{"type":"banner.message","payload":{"bannerId":"gate-12","text":"` + strings.Repeat("a", 281) + `"}}`, "payload.text", "the limit is 280"},
		{"payload too big", `{"type":"work.simulate","payload":{"pad":"` + strings.Repeat("a", 70<<10) + `"}}`, "payload", "the limit is 65536"},
		{"bad idempotency key", `{"type":"work.simulate","payload":{},"idempotencyKey":"a b"}`, "idempotencyKey", "1 to 128"},
		{"body too big", `{"type":"work.simulate","payload":{"pad":"` + huge + `"}}`, "body", "exceeds the limit"},
		{"empty batch", `{"jobs":[]}`, "jobs", "at least one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := producerURL() + "/v1/jobs"
			if strings.HasPrefix(tc.body, `{"jobs"`) {
				url += ":batch"
			}
			code, _, body := post(t, url, tc.body)
			if code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %v", code, body)
			}
			fields, _ := body["fields"].([]any)
			if len(fields) == 0 {
				t.Fatalf("no fields in %v", body)
			}
			f := fields[0].(map[string]any)
			if f["field"] != tc.field || !strings.Contains(f["reason"].(string), tc.reason) {
				t.Errorf("got field %q reason %q, want %q containing %q", f["field"], f["reason"], tc.field, tc.reason)
			}
		})
	}
	// A batch with one bad job is rejected whole.
	code, _, body := post(t, producerURL()+"/v1/jobs:batch", `{"jobs":[{"type":"work.simulate","payload":{}},{"type":"nope","payload":{}}]}`)
	if code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body), "jobs[1].type") {
		t.Errorf("mixed batch: %d %v", code, body)
	}
	if after := metric(t, "jobs_enqueued_total", producerURL()); after != before {
		t.Errorf("jobs_enqueued_total went from %v to %v: a bad request enqueued something", before, after)
	}
}

// A repeated idempotency key returns the first job, not a second one.
func TestIdempotencyKeyReturnsTheFirstJob(t *testing.T) {
	key := fmt.Sprintf("order-%d", time.Now().UnixNano())
	req := map[string]any{"type": contract.TypeWorkSimulate, "payload": map[string]any{}, "idempotencyKey": key}
	code1, _, first := post(t, producerURL()+"/v1/jobs", req)
	code2, hdr, second := post(t, producerURL()+"/v1/jobs", req)
	if code1 != http.StatusAccepted || code2 != http.StatusOK {
		t.Fatalf("statuses %d then %d, want 202 then 200", code1, code2)
	}
	if first["id"] != second["id"] || second["replayed"] != true || hdr.Get("Location") != "/v1/jobs/"+first["id"].(string) {
		t.Fatalf("first %v, second %v", first, second)
	}
	waitStatus(t, first["id"].(string), contract.StatusSucceeded, 30*time.Second)
}

// 10,000 jobs through three competing consumers: every one succeeds and
// its effect is committed exactly once.
func TestTenThousandJobsThreeConsumersEffectsExactlyOnce(t *testing.T) {
	ctx := context.Background()
	urls := consumerURLs()
	if len(urls) != 3 {
		t.Fatalf("%d consumers running, want 3", len(urls))
	}
	// Earlier tests' jobs must be done, or their commits would count here.
	waitQueueIdle(t, urls)
	committedBefore := metric(t, "jobs_side_effects_committed_total", urls...)
	ids := submitBatch(t, 10_000, map[string]any{})
	recs := waitAllSucceeded(ctx, t, ids, 5*time.Minute)

	effs := effects(ctx, t, ids)
	if len(effs) != len(ids) {
		t.Fatalf("%d effect markers for %d jobs", len(effs), len(ids))
	}
	perConsumer := map[string]int{}
	for id, r := range recs {
		if effs[id]["committedBy"] != r.ProcessedBy {
			t.Fatalf("job %s: effect committed by %v, record processed by %s", id, effs[id]["committedBy"], r.ProcessedBy)
		}
		perConsumer[r.ProcessedBy]++
	}
	// Every commit is counted by the consumer that made it: a job whose
	// effects were committed twice would push the sum past 10,000.
	if got := metric(t, "jobs_side_effects_committed_total", urls...) - committedBefore; got != float64(len(ids)) {
		t.Fatalf("effects committed %v times for %d jobs", got, len(ids))
	}
	if len(perConsumer) != 3 {
		t.Errorf("work spread over %d consumers, want all 3: %v", len(perConsumer), perConsumer)
	}
	t.Logf("jobs per consumer: %v", perConsumer)
}

// SIGKILL one consumer while it holds jobs, in the middle of a run:
// nothing is lost and no job's effects are committed twice. Commits are
// counted from every consumer's log ("job succeeded", one line per
// commit), the killed one's included, not from the effect markers, which
// a doubled commit would simply rewrite. As a kubelet would, the launcher
// then starts the app again beside its sidecar, which still holds the
// messages it had prefetched (unacknowledged, so never lost).
func TestConsumerKilledMidRunLosesNothing(t *testing.T) {
	ctx := context.Background()
	victim := env.stack.Apps("consumer")[1]
	ids := submitBatch(t, 3000, map[string]any{"sleepMs": 2})

	// Kill once about a fifth of the jobs are done, at a moment the
	// victim holds a job: slow ones are added, and the kill comes as soon
	// as the victim's log shows it started one.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		done := 0
		for _, r := range records(ctx, t, ids) {
			if r.Status == contract.StatusSucceeded {
				done++
			}
		}
		if done >= len(ids)/5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d jobs done before the kill", done)
		}
		time.Sleep(100 * time.Millisecond) // poll interval
	}
	// One slow job at a time until the victim starts one: a consumer
	// takes what its prefetch holds in batches, so a few slow jobs sent
	// at once may all go to the other one.
	slow := map[string]bool{}
	for len(executionsIn(t, victim.AppProcess().LogPath, 0, -1, "job attempt started", slow)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the victim never started one of the slow jobs")
		}
		id := submit(t, contract.TypeWorkSimulate, map[string]any{"sleepMs": 4000})
		slow[id] = true
		ids = append(ids, id)
		time.Sleep(50 * time.Millisecond) // poll interval
	}
	app := victim.AppProcess()
	app.Kill()
	<-app.Done() // its log is complete up to the kill
	killedAt, err := os.Stat(app.LogPath)
	must(t, err)
	t.Logf("killed %s (SIGKILL)", victim.Name())
	must(t, victim.RestartApp(ctx))

	recs := waitAllSucceeded(ctx, t, ids, 3*time.Minute)
	effs := effects(ctx, t, ids)
	if len(effs) != len(ids) {
		t.Fatalf("%d effect markers for %d jobs", len(effs), len(ids))
	}
	for id, r := range recs {
		if effs[id]["committedBy"] != r.ProcessedBy {
			t.Fatalf("job %s: effect committed by %v, record says %s", id, effs[id]["committedBy"], r.ProcessedBy)
		}
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	// The victim's log up to the kill: jobs it started, and committed.
	started := executionsIn(t, app.LogPath, 0, killedAt.Size(), "job attempt started", want)
	committed := executionsIn(t, app.LogPath, 0, killedAt.Size(), "job succeeded", want)
	victimInstance := ""
	for id := range committed {
		victimInstance = recs[id].ProcessedBy
		break
	}
	commits := map[string]int{}
	for _, in := range env.stack.Apps("consumer") {
		for id, n := range executionsIn(t, in.AppProcess().LogPath, 0, -1, "job succeeded", want) {
			commits[id] += n
		}
	}
	held, atTheKill := 0, 0
	for id := range started {
		if committed[id] > 0 {
			continue
		}
		held++
		// Killed between its commit and the log line: the record names
		// the killed instance, and no other attempt logged a commit.
		if recs[id].ProcessedBy == victimInstance && victimInstance != "" {
			commits[id]++
			atTheKill++
		}
	}
	for _, id := range ids {
		if commits[id] != 1 {
			t.Errorf("job %s: effects committed %d times (from the consumers' logs; record: %s by %s)", id, commits[id], recs[id].Status, recs[id].ProcessedBy)
		}
	}
	// The kill landed while the victim held jobs: some it started, in its
	// log before the kill, it never logged as committed.
	if held == 0 {
		t.Fatal("the killed consumer held no job when it died: the test exercised no redelivery")
	}
	t.Logf("the killed consumer held %d jobs (%d committed at the moment of the kill); each was committed once", held, atTheKill)
}

// executionsIn counts, per job id in want, the log lines with message msg
// in the JSON log at path between byte offsets from and to (-1: the end).
func executionsIn(t *testing.T, path string, from, to int64, msg string, want map[string]bool) map[string]int {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	if to < 0 || to > int64(len(data)) {
		to = int64(len(data))
	}
	out := map[string]int{}
	for _, line := range strings.Split(string(data[from:to]), "\n") {
		i := strings.IndexByte(line, '{')
		if i < 0 || !strings.Contains(line, `"msg":"`+msg+`"`) {
			continue
		}
		var rec struct {
			Msg   string `json:"msg"`
			JobID string `json:"job_id"`
		}
		if json.Unmarshal([]byte(line[i:]), &rec) == nil && rec.Msg == msg && want[rec.JobID] {
			out[rec.JobID]++
		}
	}
	return out
}

// SIGTERM (a KEDA scale-in) lets in-flight jobs finish: none is redelivered.
func TestConsumerDrainsInFlightJobsOnSIGTERM(t *testing.T) {
	ctx := context.Background()
	victim := env.stack.Apps("consumer")[2]
	ids := make([]string, 6)
	for i := range ids {
		ids[i] = submit(t, contract.TypeWorkSimulate, map[string]any{"sleepMs": 2500})
	}
	// Wait until the victim holds one of them.
	deadline := time.Now().Add(30 * time.Second)
	for metric(t, "jobs_in_flight", victim.URL()) < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the victim never took a job")
		}
		time.Sleep(50 * time.Millisecond)
	}
	victim.Stop() // SIGTERM to the app, then its sidecar
	if !logContains(t, victim.AppProcess().LogPath, `"msg":"drained"`) {
		t.Error("the consumer did not report a completed drain")
	}
	for _, id := range ids {
		r := waitStatus(t, id, contract.StatusSucceeded, time.Minute)
		if r.Attempts != 1 {
			t.Errorf("job %s took %d attempts: in-flight work was lost on SIGTERM", id, r.Attempts)
		}
	}
	must(t, victim.Start(ctx))
}

// A job that keeps failing is dead-lettered after the configured attempts,
// keeps its payload, is listed, and succeeds when replayed.
func TestFailingJobIsDeadLetteredThenReplayed(t *testing.T) {
	until := time.Now().Add(8 * time.Second).UTC()
	id := submit(t, contract.TypeWorkSimulate, map[string]any{"failUntil": until.Format(time.RFC3339Nano)})
	rec := waitStatus(t, id, contract.StatusDeadLettered, time.Minute)
	if rec.Attempts != maxAttempts || !strings.Contains(rec.LastError, "simulated failure") || !strings.Contains(string(rec.Payload), "failUntil") {
		t.Fatalf("dead letter: %+v", rec)
	}
	if !listedAsDeadLetter(t, id) {
		t.Fatal("the job is not in GET /v1/jobs?status=dead-lettered")
	}
	time.Sleep(time.Until(until))
	code, _, body := post(t, producerURL()+"/v1/jobs/"+id+":retry", "")
	if code != http.StatusAccepted {
		t.Fatalf("retry: %d %v", code, body)
	}
	rec = waitStatus(t, id, contract.StatusSucceeded, time.Minute)
	if rec.Attempts != 1 {
		t.Errorf("replay took %d attempts", rec.Attempts)
	}
	if listedAsDeadLetter(t, id) {
		t.Error("a replayed job is still listed as a dead letter")
	}
	// Only dead letters can be replayed.
	if code, _, _ := post(t, producerURL()+"/v1/jobs/"+id+":retry", ""); code != http.StatusConflict {
		t.Errorf("retry of a succeeded job: %d, want 409", code)
	}
}

// An unparseable message is set aside as a dead letter while the jobs
// behind it flow.
func TestPoisonMessageIsSetAsideWhileLaterJobsFlow(t *testing.T) {
	conn, err := amqp.Dial(env.stack.RabbitURL)
	must(t, err)
	defer conn.Close()
	ch, err := conn.Channel()
	must(t, err)
	poison := fmt.Sprintf("this is not a job %d", time.Now().UnixNano())
	must(t, ch.PublishWithContext(context.Background(), "", "jobs", false, false, amqp.Publishing{
		DeliveryMode: amqp.Persistent, ContentType: "text/plain", Body: []byte(poison),
	}))
	id := submit(t, contract.TypeWorkSimulate, map[string]any{})
	waitStatus(t, id, contract.StatusSucceeded, 30*time.Second)

	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, j := range deadLetters(t) {
			if strings.Contains(string(j.Payload), poison) {
				if !strings.HasPrefix(j.ID, "poison-") || !strings.Contains(j.LastError, "unparseable") {
					t.Errorf("poison record: %+v", j)
				}
				if code, _, _ := post(t, producerURL()+"/v1/jobs/"+j.ID+":retry", ""); code != http.StatusConflict {
					t.Errorf("replaying an unparseable message: %d, want 409", code)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the poison message never showed up as a dead letter")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
