package service

import (
	"strings"
	"testing"
)

// A banner showing a message must outlive its display time in memory, or
// it is deactivated with its expiry timer: a BANNER_IDLE_TIMEOUT not
// longer than BANNER_DISPLAY_DURATION stops the service at start.
func TestIdleTimeoutMustOutlastTheDisplay(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) func(string) (string, bool) {
		kv["API_KEYS_SECRET_STORE"], kv["API_KEYS_SECRET"] = "secretstore", "api-keys"
		return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
	}
	if _, _, err := LoadConfig(env(map[string]string{})); err != nil {
		t.Fatalf("defaults refused: %v", err)
	}
	_, _, err := LoadConfig(env(map[string]string{"BANNER_IDLE_TIMEOUT": "60s"}))
	if err == nil || !strings.Contains(err.Error(), "BANNER_IDLE_TIMEOUT") {
		t.Errorf("idle timeout equal to the display accepted (err %v)", err)
	}
	if _, _, err := LoadConfig(env(map[string]string{"BANNER_IDLE_TIMEOUT": "90s", "BANNER_DISPLAY_DURATION": "5s"})); err != nil {
		t.Errorf("idle 90s, display 5s refused: %v", err)
	}
}
