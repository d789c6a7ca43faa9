package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/airdisplay/platform/services/contracts/banners"
	contract "github.com/airdisplay/platform/services/contracts/jobs"
)

var bannerSeq int

// newBanner registers a banner with a unique id through the API.
func newBanner(t *testing.T) string {
	t.Helper()
	bannerSeq++
	id := fmt.Sprintf("t%d-%d", time.Now().UnixNano()%1_000_000_000, bannerSeq)
	code, body := do(t, http.MethodPut, bannerURL()+"/v1/banners/"+id, fmt.Sprintf(`{"name":"Test %s","location":"Gate %d"}`, id, bannerSeq))
	if code != http.StatusOK {
		t.Fatalf("register %s: %d %s", id, code, body)
	}
	return id
}

func bannerURL() string { return env.stack.Apps("banner-actor")[0].URL() }

func do(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return resp.StatusCode, data
}

func getBanner(t *testing.T, id string) banners.View {
	t.Helper()
	code, body := do(t, http.MethodGet, bannerURL()+"/v1/banners/"+id, "")
	if code != http.StatusOK {
		t.Fatalf("GET banner %s: %d %s", id, code, body)
	}
	var v banners.View
	must(t, json.Unmarshal(body, &v))
	return v
}

func postMessage(t *testing.T, id, text string, queue bool) (int, http.Header, []byte) {
	t.Helper()
	body, _ := json.Marshal(banners.Post{Text: text, Queue: queue})
	resp, err := client.Post(bannerURL()+"/v1/banners/"+id+"/messages", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

// 200 concurrent posts to one idle banner: exactly one is shown, 199 are
// refused with 409, Retry-After and availableAt; nothing is overwritten.
func TestConcurrentPostsToAnIdleBannerAcceptExactlyOne(t *testing.T) {
	id := newBanner(t)
	var mu sync.Mutex
	codes := map[int]int{}
	var winner string
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			text := fmt.Sprintf("message %d", i)
			code, hdr, body := postMessage(t, id, text, false)
			mu.Lock()
			defer mu.Unlock()
			codes[code]++
			switch code {
			case http.StatusCreated:
				winner = text
			case http.StatusConflict:
				var e struct {
					Error       string
					AvailableAt time.Time
				}
				if json.Unmarshal(body, &e) != nil || e.AvailableAt.IsZero() || hdr.Get("Retry-After") == "" || !strings.Contains(e.Error, "busy") {
					t.Errorf("409 without availableAt/Retry-After: %s %v", body, hdr)
				}
			}
		}()
	}
	wg.Wait()
	if codes[http.StatusCreated] != 1 || codes[http.StatusConflict] != 199 {
		t.Fatalf("outcomes %v, want 1×201 and 199×409", codes)
	}
	if v := getBanner(t, id); v.Current == nil || v.Current.Text != winner || len(v.Queue) != 0 {
		t.Fatalf("banner shows %+v, want the one accepted message %q", v.Current, winner)
	}
}

// Queued messages are shown one after another, in the order posted, each
// for the display duration; a full queue is refused clearly.
func TestQueueModeKeepsOrder(t *testing.T) {
	id := newBanner(t)
	texts := []string{"first", "second", "third"}
	for i, text := range texts {
		code, _, body := postMessage(t, id, text, true)
		want := http.StatusAccepted
		if i == 0 {
			want = http.StatusCreated
		}
		if code != want {
			t.Fatalf("post %q: %d %s", text, code, body)
		}
		if i > 0 && !strings.Contains(string(body), fmt.Sprintf(`"position":%d`, i)) {
			t.Errorf("post %q: no position %d in %s", text, i, body)
		}
	}
	deadline := time.Now().Add(time.Duration(len(texts)+2) * displayDuration)
	for {
		v := getBanner(t, id)
		if len(v.History) == len(texts) {
			for i, m := range v.History {
				if m.Text != texts[i] {
					t.Fatalf("history %v, want %v", v.History, texts)
				}
				if i > 0 && m.ShownAt.Before(*v.History[i-1].ExpiresAt) {
					t.Fatalf("%q was shown before %q expired", m.Text, v.History[i-1].Text)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the history holds %d messages", time.Duration(len(texts)+2)*displayDuration, len(v.History))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestFullQueueIsRefused(t *testing.T) {
	id := newBanner(t)
	postMessage(t, id, "showing", true)
	for i := range 5 { // BANNER_MAX_QUEUE
		if code, _, body := postMessage(t, id, fmt.Sprint("q", i), true); code != http.StatusAccepted {
			t.Fatalf("queue %d: %d %s", i, code, body)
		}
	}
	code, hdr, body := postMessage(t, id, "one too many", true)
	if code != http.StatusConflict || !strings.Contains(string(body), "queue full") || hdr.Get("Retry-After") == "" {
		t.Fatalf("full queue: %d %s", code, body)
	}
}

// Bad input is 400 with the field and the reason, and changes nothing.
func TestBadBannerInputIs400AndChangesNothing(t *testing.T) {
	id := newBanner(t)
	before := getBanner(t, id).Version
	cases := []struct{ method, path, body, field, reason string }{
		{"POST", "/v1/banners/" + id + "/messages", `{"text":""}`, "text", "is required"},
		{"POST", "/v1/banners/" + id + "/messages", `{"text":"` + strings.Repeat("é", 281) + `"}`, "text", "the limit is 280"},
		{"POST", "/v1/banners/" + id + "/messages", `{"text":`, "body", "malformed JSON"},
		{"POST", "/v1/banners/" + id + "/messages", `{"text":"hi","colour":"red"}`, "colour", "not a known field"},
		{"POST", "/v1/banners/" + id + "/messages", `{"text":42}`, "text", "must be a string"},
		{"POST", "/v1/banners/Bad_ID/messages", `{"text":"hi"}`, "id", "lower-case"},
		{"PUT", "/v1/banners/" + strings.Repeat("a", 64), `{"name":"x"}`, "id", "1 to 63"},
		{"PUT", "/v1/banners/" + id, `{"name":""}`, "name", "1 to 100"},
		{"POST", "/v1/banners/" + id + "/messages", `{"text":"` + strings.Repeat("a", 70<<10) + `"}`, "body", "exceeds the limit"},
		{"GET", "/v1/banners?limit=0", ``, "limit", "from 1 to 500"},
		{"GET", "/v1/banners?cursor=zz", ``, "cursor", "not a cursor"},
		{"POST", "/v1/banners/" + id + "/messages", `{"text":"nul\u0000"}`, "text", "control characters"},
		{"POST", "/v1/banners/" + id + "/messages", `{"text":"\u001b[2J wiped"}`, "text", "control characters"},
		{"POST", "/v1/banners/" + id + "/messages", `{"text":"invoice\u202efdp.exe"}`, "text", "bidirectional"},
		{"POST", "/v1/banners/" + id + "/messages", `{"text":"ok","author":"\u2066x\u2069"}`, "author", "bidirectional"},
		{"POST", "/v1/banners/" + id + "/messages", "{\"text\":\"caf\xe9\"}", "text", "valid UTF-8"},
		{"POST", "/v1/banners/" + id + "/messages", `{"text":"\ud800"}`, "text", "valid UTF-8"},
		{"PUT", "/v1/banners/" + id, `{"name":"Gate\u0007"}`, "name", "control characters"},
	}
	for _, tc := range cases {
		code, body := do(t, tc.method, bannerURL()+tc.path, tc.body)
		var e struct{ Fields []contract.FieldError }
		_ = json.Unmarshal(body, &e)
		if code != http.StatusBadRequest || len(e.Fields) == 0 || e.Fields[0].Field != tc.field || !strings.Contains(e.Fields[0].Reason, tc.reason) {
			t.Errorf("%s %s: %d %s, want 400 on %q (%s)", tc.method, tc.path[:min(len(tc.path), 40)], code, body[:min(len(body), 200)], tc.field, tc.reason)
		}
	}
	if after := getBanner(t, id); after.Version != before || after.Current != nil {
		t.Errorf("bad input changed the banner: version %d → %d", before, after.Version)
	}
	if code, _ := do(t, "GET", bannerURL()+"/v1/banners/nobody-here", ""); code != http.StatusNotFound {
		t.Errorf("unregistered banner: %d, want 404", code)
	}
	if code, _, _ := postMessage(t, "nobody-here", "hi", false); code != http.StatusNotFound {
		t.Errorf("post to an unregistered banner: %d, want 404", code)
	}
}

// Listing is paginated with a cursor and returns every banner once.
func TestListingPagesThroughEveryBanner(t *testing.T) {
	want := map[string]bool{}
	for range 7 {
		want[newBanner(t)] = true
	}
	seen := map[string]int{}
	cursor := ""
	for pages := 0; ; pages++ {
		url := bannerURL() + "/v1/banners?limit=3"
		if cursor != "" {
			url += "&cursor=" + cursor
		}
		code, body := do(t, "GET", url, "")
		if code != http.StatusOK {
			t.Fatalf("list: %d %s", code, body)
		}
		var page struct {
			Banners    []banners.View
			NextCursor string
		}
		must(t, json.Unmarshal(body, &page))
		if len(page.Banners) > 3 {
			t.Fatalf("page of %d banners with limit 3", len(page.Banners))
		}
		for _, b := range page.Banners {
			seen[b.ID]++
			if want[b.ID] && b.Name == "" {
				t.Errorf("listed banner %s has no name", b.ID)
			}
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
		if pages > 1000 {
			t.Fatal("cursor never ends")
		}
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("banner %s listed %d times", id, seen[id])
		}
	}
}

// A banner.message job drives the banner's actor: the job succeeds and
// the message shows; the job id is the message id, so a replayed delivery
// does not show it twice.
func TestBannerMessageJobsDriveTheActor(t *testing.T) {
	id := newBanner(t)
	job := submit(t, contract.TypeBannerMessage, map[string]any{"bannerId": id, "text": "boarding now", "author": "gate agent"})
	waitStatus(t, job, contract.StatusSucceeded, 30*time.Second)
	v := getBanner(t, id)
	if v.Current == nil || v.Current.Text != "boarding now" || v.Current.ID != job {
		t.Fatalf("banner shows %+v", v.Current)
	}
	// The same message id again is recognised, not shown or queued twice.
	body, _ := json.Marshal(banners.Post{ID: job, Text: "boarding now", Queue: true})
	code, resp := do(t, "POST", bannerURL()+"/v1/banners/"+id+"/messages", string(body))
	if code != http.StatusOK || !strings.Contains(string(resp), `"outcome":"duplicate"`) {
		t.Fatalf("repeat of message %s: %d %s", job, code, resp)
	}
	// A busy banner refuses a non-queued job permanently: it is dead-lettered.
	busy := submit(t, contract.TypeBannerMessage, map[string]any{"bannerId": id, "text": "too soon"})
	rec := waitStatus(t, busy, contract.StatusDeadLettered, 30*time.Second)
	if rec.Attempts != 1 || !strings.Contains(rec.LastError, "busy") {
		t.Errorf("busy banner job: %+v", rec)
	}
	if v := getBanner(t, id); v.Current.Text != "boarding now" || len(v.Queue) != 0 {
		t.Errorf("a refused job changed the banner: %+v", v)
	}
}

// wsClient connects to a replica's /v1/ws for some banners.
func wsClient(ctx context.Context, t *testing.T, base string, ids ...string) *websocket.Conn {
	t.Helper()
	url := "ws" + strings.TrimPrefix(base, "http") + "/v1/ws?banners=" + strings.Join(ids, ",")
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	c.SetReadLimit(1 << 20)
	return c
}

// readEvents collects events until n arrived or the context ends.
func readEvents(ctx context.Context, c *websocket.Conn, n int) []banners.Event {
	var out []banners.Event
	for len(out) < n {
		_, data, err := c.Read(ctx)
		if err != nil {
			return out
		}
		var ev banners.Event
		if json.Unmarshal(data, &ev) == nil && ev.Type == banners.EventType {
			out = append(out, ev)
		}
	}
	return out
}

// Every WebSocket client, on either replica, receives every event of a
// banner, in order.
func TestWebSocketClientsOnEveryReplicaReceiveEveryEventInOrder(t *testing.T) {
	id := newBanner(t)
	start := getBanner(t, id).Version
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	replicas := env.stack.Apps("banner-actor")
	if len(replicas) < 2 {
		t.Fatalf("%d banner-actor replicas, want 2", len(replicas))
	}
	var conns []*websocket.Conn
	for _, r := range replicas {
		c := wsClient(ctx, t, r.URL(), id)
		defer c.CloseNow()
		conns = append(conns, c)
	}
	// Wait for the hello frames so both clients are registered.
	for _, c := range conns {
		if _, _, err := c.Read(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// shown, queued ×3, cleared (advances), cleared, cleared, cleared = 8 changes
	postMessage(t, id, "one", true)
	for _, text := range []string{"two", "three", "four"} {
		postMessage(t, id, text, true)
	}
	for range 4 {
		if code, body := do(t, "DELETE", bannerURL()+"/v1/banners/"+id+"/message", ""); code != http.StatusOK {
			t.Fatalf("clear: %d %s", code, body)
		}
	}
	const changes = 8
	for i, c := range conns {
		evs := readEvents(ctx, c, changes)
		if len(evs) != changes {
			t.Fatalf("replica %d: %d events, want %d", i, len(evs), changes)
		}
		for j, ev := range evs {
			if ev.BannerID != id || ev.Version != start+int64(j)+1 {
				t.Fatalf("replica %d event %d: banner %s version %d, want %s v%d", i, j, ev.BannerID, ev.Version, id, start+int64(j)+1)
			}
		}
		if last := evs[changes-1]; last.Banner.Current != nil || len(last.Banner.History) != 4 {
			t.Errorf("replica %d: last event shows %+v", i, last.Banner)
		}
	}
}

// A WebSocket from a foreign Origin is refused; a bad filter is a 400.
func TestWebSocketChecksOriginAndFilter(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(bannerURL(), "http") + "/v1/ws"
	_, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign origin: err %v, resp %v; want 403", err, resp)
	}
	if code, _ := do(t, "GET", bannerURL()+"/v1/ws?banners=NOT%20OK", ""); code != http.StatusBadRequest {
		t.Errorf("bad filter: %d, want 400", code)
	}
}
