package envconfig

import (
	"strings"
	"testing"
	"time"
)

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultsAndOverrides(t *testing.T) {
	l := New(lookup(map[string]string{"PORT": "9000", "TIMEOUT": "2s"}))
	if got := l.Int("PORT", 8080, 1, 65535); got != 9000 {
		t.Errorf("PORT = %d, want 9000", got)
	}
	if got := l.Int("WORKERS", 4, 1, 64); got != 4 {
		t.Errorf("WORKERS default = %d, want 4", got)
	}
	if got := l.Duration("TIMEOUT", time.Second); got != 2*time.Second {
		t.Errorf("TIMEOUT = %s, want 2s", got)
	}
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestEveryErrorIsReported(t *testing.T) {
	l := New(lookup(map[string]string{"PORT": "http", "TIMEOUT": "-1s"}))
	l.Required("APP_ID")
	l.Int("PORT", 8080, 1, 65535)
	l.Duration("TIMEOUT", time.Second)
	err := l.Err()
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"APP_ID is required", `PORT="http"`, `TIMEOUT="-1s"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestSecretsAreMasked(t *testing.T) {
	l := New(lookup(map[string]string{"TOKEN": "s3cret"}))
	if l.Secret("TOKEN", "") != "s3cret" {
		t.Fatal("secret value not returned")
	}
	for _, v := range l.Resolved() {
		if v == "s3cret" {
			t.Fatal("secret leaked into the resolved config")
		}
	}
}

func TestBoolAndRequiredFor(t *testing.T) {
	l := New(lookup(map[string]string{"A": "true", "B": "0", "C": "maybe"}))
	if !l.Bool("A", false) || l.Bool("B", true) || !l.Bool("UNSET", true) {
		t.Error("Bool misread a value")
	}
	l.Bool("C", false)
	l.RequiredFor("STORE", "the secret store")
	err := l.Err()
	if err == nil || !strings.Contains(err.Error(), `C="maybe"`) || !strings.Contains(err.Error(), "STORE is required: the secret store") {
		t.Fatalf("error %v", err)
	}
}
