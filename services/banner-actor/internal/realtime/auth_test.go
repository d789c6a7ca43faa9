package realtime

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/airdisplay/platform/services/daprapp/apikey"
	"github.com/airdisplay/platform/services/daprapp/daprtest"
)

// With AUTH_READS a browser's WebSocket authenticates with a "bearer.<key>"
// subprotocol: the server selects airdisplay.v1 (never echoing the key);
// without a valid key the upgrade is refused with 401, and the Origin check
// still applies to a valid key. With reads open, a client offering the
// subprotocols (the UI with a key) is accepted too.
func TestWebSocketAcceptsTheKeyAsASubprotocol(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	keys := apikey.NewKeys(daprtest.Secrets{"ui": "ui-key"}, "store", "api-keys", log, nil)
	if err := keys.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, authReads := range []bool{true, false} {
		srv := httptest.NewServer(apikey.NewGuard(keys, authReads, log, prometheus.NewRegistry()).Read(newTestHub(8)))
		url := "ws" + strings.TrimPrefix(srv.URL, "http")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)

		c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{apikey.Subprotocol, "bearer.ui-key"}})
		if err != nil {
			t.Fatalf("AUTH_READS=%v with the key: %v", authReads, err)
		}
		if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != apikey.Subprotocol {
			t.Errorf("selected subprotocol %q, want %s", got, apikey.Subprotocol)
		}
		c.Close(websocket.StatusNormalClosure, "")

		_, resp, err = websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{apikey.Subprotocol, "bearer.ui-key"}, HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("AUTH_READS=%v foreign Origin with the key: %v, want 403", authReads, err)
		}

		for _, protos := range [][]string{nil, {apikey.Subprotocol, "bearer.wrong"}} {
			c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: protos})
			if authReads {
				if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("AUTH_READS with %v: %v, want 401", protos, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("reads open, %v: %v", protos, err)
				continue
			}
			c.Close(websocket.StatusNormalClosure, "")
		}
		cancel()
		srv.Close()
	}
}
