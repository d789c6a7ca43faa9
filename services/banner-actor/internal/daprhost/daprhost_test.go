package daprhost

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
)

// daprd reads the actor idle timeout and scan interval from GET
// /dapr/config: the host puts its own beside the SDK's actor types.
func TestConfigTellsDaprdTheIdleTimeout(t *testing.T) {
	h := New(Actors{IdleTimeout: 2 * time.Minute, ScanInterval: 10 * time.Second})
	r := chi.NewRouter()
	h.Mount(r, func(h http.Handler) http.Handler { return h })
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/dapr/config", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /dapr/config: %d", rec.Code)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"actorIdleTimeout": "2m0s", "actorScanInterval": "10s"} {
		s, _ := got[key].(string)
		if d, err := time.ParseDuration(s); err != nil || d.String() != want {
			t.Errorf("%s = %v, want %s (body %s)", key, got[key], want, rec.Body)
		}
	}
}
