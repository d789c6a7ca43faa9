// Package scenario is the end-to-end scenario every target runs (the local
// stack, kind, Azure): banners registered, banner.message jobs through the
// producer and the queue, every job succeeding, each banner showing its
// messages in order without overwrite, a WebSocket client seeing every
// change, a failing job dead-lettered and replayed, and each service's
// /metrics reflecting the run. Targets only differ in how they reach the
// services.
package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/airdisplay/platform/services/contracts/banners"
	contract "github.com/airdisplay/platform/services/contracts/jobs"
)

// Endpoints are the base URLs of the services under test.
type Endpoints struct {
	Producer    string
	BannerActor string
	// BannerActors are the banner-actor instances' base URLs (for
	// /metrics: a banner's posts count where its actor is placed); empty
	// means BannerActor alone.
	BannerActors []string
	// Consumers are the consumer instances' base URLs (for /metrics).
	Consumers []string
	// ConsumersAutoscaled: consumers come and go during the run (KEDA
	// removes idle ones within seconds), so their /metrics are not read:
	// an instance may be gone before the run ends, and others processed
	// its jobs. The local e2e, with fixed consumers, checks them.
	ConsumersAutoscaled bool
	// APIKey is sent as `Authorization: Bearer` on every request, and
	// offered as a WebSocket subprotocol (as the UI does): writes need it.
	APIKey string
	// Origin, when set, is sent on the WebSocket handshake (port-forwards
	// change the host the service sees).
	Origin string
}

func (e Endpoints) bannerActors() []string {
	if len(e.BannerActors) > 0 {
		return e.BannerActors
	}
	return []string{e.BannerActor}
}

// Options size the run.
type Options struct {
	Banners int           // banners registered
	Rounds  int           // messages per banner
	Timeout time.Duration // for each wait
	RunID   string        // makes ids unique (random.UniqueId in cloud runs)
}

// Run executes the scenario.
func Run(ctx context.Context, t *testing.T, e Endpoints, o Options) {
	t.Helper()
	if o.Banners == 0 {
		o.Banners = 3
	}
	if o.Rounds == 0 {
		o.Rounds = 3
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.RunID == "" {
		o.RunID = strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 36)
	}
	c := &client{t: t, http: &http.Client{Timeout: 30 * time.Second}, apiKey: e.APIKey}
	before := snapshot(c, e)

	ids := make([]string, o.Banners)
	for i := range ids {
		ids[i] = fmt.Sprintf("e2e-%s-%d", o.RunID, i)
		c.must(c.do(ctx, http.MethodPut, e.BannerActor+"/v1/banners/"+ids[i], banners.Registration{Name: "E2E " + ids[i], Location: "scenario"}, nil, http.StatusOK))
	}
	ws := dialWS(ctx, t, e, ids)
	defer ws.CloseNow()

	// One job per banner per batch; each batch waits for the previous, so
	// every banner receives its messages in round order.
	want := map[string][]string{}
	jobs := 0
	for r := range o.Rounds {
		var batch []contract.Request
		for _, id := range ids {
			text := fmt.Sprintf("%s round %d", id, r+1)
			want[id] = append(want[id], text)
			payload, _ := json.Marshal(contract.BannerMessagePayload{BannerID: id, Text: text, Queue: true})
			batch = append(batch, contract.Request{Type: contract.TypeBannerMessage, Payload: payload})
		}
		var out struct{ Jobs []struct{ ID string } }
		c.must(c.do(ctx, http.MethodPost, e.Producer+"/v1/jobs:batch", map[string]any{"jobs": batch}, &out, http.StatusAccepted))
		for _, j := range out.Jobs {
			c.waitJob(ctx, e, j.ID, contract.StatusSucceeded, o.Timeout)
			jobs++
		}
	}

	// Nothing was overwritten: history, current and queue hold every
	// message in the order sent.
	for _, id := range ids {
		var v banners.View
		c.must(c.do(ctx, http.MethodGet, e.BannerActor+"/v1/banners/"+id, nil, &v, http.StatusOK))
		var shown []string
		for _, m := range v.History {
			shown = append(shown, m.Text)
		}
		if v.Current != nil {
			shown = append(shown, v.Current.Text)
		}
		for _, m := range v.Queue {
			shown = append(shown, m.Text)
		}
		if !slices.Equal(shown, want[id]) {
			t.Errorf("banner %s holds %v, want %v", id, shown, want[id])
		}
	}

	// The WebSocket client saw every change of every banner, in order.
	lastSeen := map[string]int64{}
	deadline := time.Now().Add(o.Timeout)
	for len(lastSeen) < len(ids) || !allAtLeast(lastSeen, int64(1+o.Rounds)) {
		rctx, cancel := context.WithDeadline(ctx, deadline)
		_, data, err := ws.Read(rctx)
		cancel()
		if err != nil {
			t.Fatalf("WebSocket: %v (seen %v)", err, lastSeen)
		}
		var ev banners.Event
		if json.Unmarshal(data, &ev) != nil || ev.Type != banners.EventType {
			continue
		}
		if prev, ok := lastSeen[ev.BannerID]; ok && ev.Version != prev+1 {
			t.Fatalf("banner %s: event version %d after %d", ev.BannerID, ev.Version, prev)
		}
		lastSeen[ev.BannerID] = ev.Version
	}

	// A failing job is dead-lettered, listed, and succeeds when replayed.
	until := time.Now().Add(20 * time.Second).UTC()
	var ref struct{ ID string }
	c.must(c.do(ctx, http.MethodPost, e.Producer+"/v1/jobs", contract.Request{Type: contract.TypeWorkSimulate,
		Payload: json.RawMessage(fmt.Sprintf(`{"failUntil":%q}`, until.Format(time.RFC3339Nano)))}, &ref, http.StatusAccepted))
	c.waitJob(ctx, e, ref.ID, contract.StatusDeadLettered, o.Timeout)
	var dead struct{ Jobs []contract.Record }
	c.must(c.do(ctx, http.MethodGet, e.Producer+"/v1/jobs?status=dead-lettered", nil, &dead, http.StatusOK))
	if !slices.ContainsFunc(dead.Jobs, func(r contract.Record) bool { return r.ID == ref.ID }) {
		t.Errorf("job %s is not listed as a dead letter", ref.ID)
	}
	time.Sleep(time.Until(until))
	c.must(c.do(ctx, http.MethodPost, e.Producer+"/v1/jobs/"+ref.ID+":retry", nil, nil, http.StatusAccepted))
	c.waitJob(ctx, e, ref.ID, contract.StatusSucceeded, o.Timeout)

	// /metrics of each service reflects the run.
	after := snapshot(c, e)
	if got := after.enqueued - before.enqueued; got < float64(jobs+2) {
		t.Errorf("producer jobs_enqueued_total grew by %v, want at least %d", got, jobs+2)
	}
	if !e.ConsumersAutoscaled {
		if got := after.succeeded - before.succeeded; got < float64(jobs+1) {
			t.Errorf("consumers' succeeded jobs grew by %v, want at least %d", got, jobs+1)
		}
		if got := after.deadLettered - before.deadLettered; got < 1 {
			t.Errorf("consumers' dead-lettered jobs grew by %v, want at least 1", got)
		}
	}
	if got := after.posts - before.posts; got < float64(jobs) {
		t.Errorf("banner_posts_total grew by %v, want at least %d", got, jobs)
	}
}

func allAtLeast(m map[string]int64, v int64) bool {
	for _, x := range m {
		if x < v {
			return false
		}
	}
	return true
}

func dialWS(ctx context.Context, t *testing.T, e Endpoints, ids []string) *websocket.Conn {
	t.Helper()
	url := "ws" + strings.TrimPrefix(e.BannerActor, "http") + "/v1/ws?banners=" + strings.Join(ids, ",")
	opts := &websocket.DialOptions{}
	if e.Origin != "" {
		opts.HTTPHeader = http.Header{"Origin": {e.Origin}}
	}
	if e.APIKey != "" {
		opts.Subprotocols = []string{"airdisplay.v1", "bearer." + e.APIKey}
	}
	ws, _, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		t.Fatalf("WebSocket %s: %v", url, err)
	}
	ws.SetReadLimit(1 << 20)
	if _, _, err := ws.Read(ctx); err != nil { // hello
		t.Fatal(err)
	}
	return ws
}

type client struct {
	t      *testing.T
	http   *http.Client
	apiKey string
}

func (c *client) must(err error) {
	c.t.Helper()
	if err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) do(ctx context.Context, method, url string, in, out any, want int) error {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s %s, want %d", method, url, resp.Status, data, want)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

func (c *client) waitJob(ctx context.Context, e Endpoints, id string, want contract.Status, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var r contract.Record
		if err := c.do(ctx, http.MethodGet, e.Producer+"/v1/jobs/"+id, nil, &r, http.StatusOK); err == nil && r.Status == want {
			return
		} else if time.Now().After(deadline) {
			c.t.Fatalf("job %s: status %s (%v) after %s, want %s (last error %q)", id, r.Status, err, timeout, want, r.LastError)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type counters struct{ enqueued, succeeded, deadLettered, posts float64 }

func snapshot(c *client, e Endpoints) counters {
	consumers := e.Consumers
	if e.ConsumersAutoscaled {
		consumers = nil
	}
	return counters{
		enqueued:     scrape(c, `jobs_enqueued_total`, e.Producer),
		succeeded:    scrape(c, `jobs_processed_total{outcome="succeeded"`, consumers...),
		deadLettered: scrape(c, `jobs_processed_total{outcome="dead_lettered"`, consumers...),
		posts:        scrape(c, `banner_posts_total`, e.bannerActors()...),
	}
}

// scrape sums the samples whose line starts with prefix.
func scrape(c *client, prefix string, urls ...string) float64 {
	c.t.Helper()
	total := 0.0
	for _, u := range urls {
		resp, err := c.http.Get(u + "/metrics")
		if err != nil {
			c.t.Fatalf("GET %s/metrics: %v", u, err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, prefix) && !strings.HasPrefix(line, "#") {
				f := strings.Fields(line)
				if v, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil {
					total += v
				}
			}
		}
	}
	return total
}
