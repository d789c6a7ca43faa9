package integration

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/airdisplay/platform/tests/localstack"
)

// Every write endpoint answers 401 with WWW-Authenticate without a key or
// with a wrong one, and takes the development key (from the local file
// secret store, through the sidecar) in either header. Reads, probes, the
// OpenAPI document, the UI and the WebSocket stay open (AUTH_READS is off).
func TestWritesNeedAnAPIKey(t *testing.T) {
	id := newBanner(t)
	writes := []struct{ method, url, body string }{
		{http.MethodPost, producerURL() + "/v1/jobs", `{"type":"work.simulate","payload":{}}`},
		{http.MethodPost, producerURL() + "/v1/jobs:batch", `{"jobs":[{"type":"work.simulate","payload":{}}]}`},
		{http.MethodPost, producerURL() + "/v1/jobs/nope:retry", ``},
		{http.MethodPut, bannerURL() + "/v1/banners/" + id, `{"name":"Renamed"}`},
		{http.MethodPost, bannerURL() + "/v1/banners/" + id + "/messages", `{"text":"hello"}`},
		{http.MethodDelete, bannerURL() + "/v1/banners/" + id + "/message", ``},
	}
	for _, w := range writes {
		for name, header := range map[string]http.Header{
			"no key":          {},
			"wrong bearer":    {"Authorization": {"Bearer not-the-key"}},
			"wrong x-api-key": {"X-Api-Key": {"not-the-key"}},
		} {
			req, _ := http.NewRequest(w.method, w.url, strings.NewReader(w.body))
			req.Header = header
			resp, err := anon.Do(req)
			must(t, err)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %s, %s: %s (WWW-Authenticate %q), want 401", w.method, w.url, name, resp.Status, resp.Header.Get("WWW-Authenticate"))
			}
		}
	}
	// The development key is accepted in either header.
	for _, header := range []http.Header{
		{"Authorization": {"Bearer " + localstack.DevAPIKey}},
		{"X-Api-Key": {localstack.DevAPIKey}},
	} {
		req, _ := http.NewRequest(http.MethodPost, producerURL()+"/v1/jobs", strings.NewReader(`{"type":"work.simulate","payload":{}}`))
		req.Header = header
		resp, err := anon.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("POST /v1/jobs with %v: %s, want 202", header, resp.Status)
		}
	}
	if code, body := do(t, http.MethodDelete, bannerURL()+"/v1/banners/"+id+"/message", ""); code != http.StatusOK {
		t.Errorf("DELETE with the key: %d %s", code, body)
	}

	jobID := submit(t, "work.simulate", map[string]any{})
	for _, url := range []string{
		producerURL() + "/v1/jobs/" + jobID,
		producerURL() + "/v1/jobs?status=dead-lettered",
		producerURL() + "/openapi.yaml",
		producerURL() + "/healthz",
		producerURL() + "/readyz",
		producerURL() + "/metrics",
		bannerURL() + "/v1/banners/" + id,
		bannerURL() + "/v1/banners?limit=5",
		bannerURL() + "/openapi.yaml",
		bannerURL() + "/",
		bannerURL() + "/app.js",
	} {
		resp, err := anon.Get(url)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s without a key: %s, want 200 (reads are open by default)", url, resp.Status)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(bannerURL(), "http")+"/v1/ws", nil)
	if err != nil {
		t.Fatalf("WebSocket without a key: %v", err)
	}
	c.Close(websocket.StatusNormalClosure, "")
	// A browser with a key offers it as a subprotocol; the server picks
	// airdisplay.v1 and the connection works with reads open too.
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(bannerURL(), "http")+"/v1/ws",
		&websocket.DialOptions{Subprotocols: []string{"airdisplay.v1", "bearer." + localstack.DevAPIKey}})
	if err != nil {
		t.Fatalf("WebSocket with the key as subprotocol: %v", err)
	}
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != "airdisplay.v1" {
		t.Errorf("selected subprotocol %q, want airdisplay.v1", got)
	}
	c.Close(websocket.StatusNormalClosure, "")
}
