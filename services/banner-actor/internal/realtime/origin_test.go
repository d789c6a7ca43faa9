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
)

// The WebSocket accepts its own host and the Origin patterns of
// WS_ALLOWED_ORIGINS, and refuses any other Origin with 403.
func TestWebSocketOriginsFollowWSAllowedOrigins(t *testing.T) {
	t.Parallel()
	h := NewHub(8, []string{"board.example.com", "*.gates.example"}, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	srv := httptest.NewServer(h)
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	for origin, want := range map[string]int{
		"":                                       http.StatusSwitchingProtocols, // not a browser
		srv.URL:                                  http.StatusSwitchingProtocols, // its own host
		"https://board.example.com":              http.StatusSwitchingProtocols,
		"https://a12.gates.example":              http.StatusSwitchingProtocols,
		"https://evil.example":                   http.StatusForbidden,
		"https://board.example.com.evil.example": http.StatusForbidden,
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		hdr := http.Header{}
		if origin != "" {
			hdr.Set("Origin", origin)
		}
		c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: hdr})
		cancel()
		got := 0
		if resp != nil {
			got = resp.StatusCode
		}
		if got != want {
			t.Errorf("Origin %q: status %d (%v), want %d", origin, got, err, want)
		}
		if c != nil {
			c.CloseNow()
		}
	}
}
