package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	contract "github.com/airdisplay/platform/services/contracts/jobs"
	"github.com/airdisplay/platform/tests/localstack"
)

// client is an API client of the local stack: every request carries the
// development API key (localstack.DevAPIKey) unless it sets its own.
// anon carries none.
var (
	client = &http.Client{Timeout: 30 * time.Second, Transport: withAPIKey{http.DefaultTransport}}
	anon   = &http.Client{Timeout: 30 * time.Second}
)

// withAPIKey adds `Authorization: Bearer <dev key>` to requests without
// credentials.
type withAPIKey struct{ next http.RoundTripper }

func (k withAPIKey) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "" && r.Header.Get("X-API-Key") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+localstack.DevAPIKey)
	}
	return k.next.RoundTrip(r)
}

func producerURL() string { return env.stack.App("producer").URL() }

// post sends a JSON body and returns status, headers and decoded body.
func post(t *testing.T, url string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := client.Post(url, "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	data, _ := io.ReadAll(resp.Body)
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("POST %s: %d with a non-JSON body %q", url, resp.StatusCode, data)
		}
	}
	return resp.StatusCode, resp.Header, out
}

func getJob(t *testing.T, id string) contract.Record {
	t.Helper()
	resp, err := client.Get(producerURL() + "/v1/jobs/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET job %s: %s", id, resp.Status)
	}
	var r contract.Record
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

func submit(t *testing.T, typ string, payload any) string {
	t.Helper()
	code, hdr, body := post(t, producerURL()+"/v1/jobs", map[string]any{"type": typ, "payload": payload})
	if code != http.StatusAccepted {
		t.Fatalf("submit: %d %v", code, body)
	}
	id, _ := body["id"].(string)
	if id == "" || hdr.Get("Location") != "/v1/jobs/"+id {
		t.Fatalf("submit: id %q, Location %q", id, hdr.Get("Location"))
	}
	return id
}

// submitBatch enqueues n work.simulate jobs in batches of 1000.
func submitBatch(t *testing.T, n int, payload map[string]any) []string {
	t.Helper()
	ids := make([]string, 0, n)
	for len(ids) < n {
		size := min(1000, n-len(ids))
		jobs := make([]map[string]any, size)
		for i := range jobs {
			jobs[i] = map[string]any{"type": contract.TypeWorkSimulate, "payload": payload}
		}
		code, _, body := post(t, producerURL()+"/v1/jobs:batch", map[string]any{"jobs": jobs})
		if code != http.StatusAccepted {
			t.Fatalf("batch: %d %v", code, body)
		}
		for _, j := range body["jobs"].([]any) {
			ids = append(ids, j.(map[string]any)["id"].(string))
		}
	}
	return ids
}

// waitStatus polls a job until it reaches want.
func waitStatus(t *testing.T, id string, want contract.Status, timeout time.Duration) contract.Record {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		r := getJob(t, id)
		if r.Status == want {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: status %s after %s, want %s (attempts %d, last error %q)", id, r.Status, timeout, want, r.Attempts, r.LastError)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// records reads job records straight from Redis.
func records(ctx context.Context, t *testing.T, ids []string) map[string]contract.Record {
	t.Helper()
	return localstack.Records(ctx, env.redis, ids)
}

// effects reads the effect markers of jobs from Redis.
func effects(ctx context.Context, t *testing.T, ids []string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	pipe := env.redis.Pipeline()
	cmds := map[string]interface{ Val() string }{}
	for _, id := range ids {
		cmds[id] = pipe.HGet(ctx, localstack.StoreKey(contract.EffectKey(id)), "data")
	}
	_, _ = pipe.Exec(ctx)
	for id, c := range cmds {
		if v := c.Val(); v != "" {
			m := map[string]any{}
			if json.Unmarshal([]byte(v), &m) == nil {
				out[id] = m
			}
		}
	}
	return out
}

// waitAllSucceeded waits until every job's record in Redis says succeeded.
func waitAllSucceeded(ctx context.Context, t *testing.T, ids []string, timeout time.Duration) map[string]contract.Record {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		recs := records(ctx, t, ids)
		done := 0
		for _, r := range recs {
			if r.Status == contract.StatusSucceeded {
				done++
			}
		}
		if done == len(ids) {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d jobs succeeded after %s", done, len(ids), timeout)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// metric sums a Prometheus counter or gauge over the given /metrics URLs.
func metric(t *testing.T, name string, urls ...string) float64 {
	t.Helper()
	total := 0.0
	for _, u := range urls {
		resp, err := client.Get(u + "/metrics")
		if err != nil {
			t.Fatalf("GET %s/metrics: %v", u, err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(string(data), "\n") {
			if line == name || strings.HasPrefix(line, name+" ") || strings.HasPrefix(line, name+"{") {
				f := strings.Fields(line)
				v, err := strconv.ParseFloat(f[len(f)-1], 64)
				if err != nil {
					t.Fatalf("metric line %q: %v", line, err)
				}
				total += v
			}
		}
	}
	return total
}

func consumerURLs() []string {
	var urls []string
	for _, in := range env.stack.Apps("consumer") {
		if in.AppProcess().Running() {
			urls = append(urls, in.URL())
		}
	}
	return urls
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func logContains(t *testing.T, path, s string) bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(data), s)
}

func deadLetters(t *testing.T) []contract.Record {
	t.Helper()
	resp, err := client.Get(producerURL() + "/v1/jobs?status=dead-lettered")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Jobs []contract.Record }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Jobs
}

func listedAsDeadLetter(t *testing.T, id string) bool {
	for _, j := range deadLetters(t) {
		if j.ID == id {
			return true
		}
	}
	return false
}

// waitQueueIdle waits until the jobs queue is empty and no consumer holds a
// job.
func waitQueueIdle(t *testing.T, consumers []string) {
	t.Helper()
	conn, err := amqp.Dial(env.stack.RabbitURL)
	must(t, err)
	defer conn.Close()
	ch, err := conn.Channel()
	must(t, err)
	deadline := time.Now().Add(time.Minute)
	for {
		q, err := ch.QueueDeclarePassive("jobs", true, false, false, false, nil)
		must(t, err)
		if q.Messages == 0 && metric(t, "jobs_in_flight", consumers...) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue not idle after a minute: %d messages", q.Messages)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
