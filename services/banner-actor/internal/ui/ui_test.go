package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Every UI response carries the headers that keep user text inert: a CSP
// that runs only the page's own script and forbids framing, nosniff and
// X-Frame-Options.
func TestUIIsServedWithItsSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := Handler()
	for _, path := range []string{"/", "/app.js", "/style.css", "/missing"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		csp := rec.Header().Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: Content-Security-Policy %q allows inline or eval'd script", path, csp)
		}
		if got := rec.Header().Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s: X-Frame-Options %q, want DENY", path, got)
		}
		if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q, want nosniff", path, got)
		}
	}
}
