package apikey

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/airdisplay/platform/services/daprapp/envconfig"
)

// fakeStore is a secret store whose content and failure the test sets.
type fakeStore struct {
	mu    sync.Mutex
	data  map[string]string
	err   error
	calls int
}

func (f *fakeStore) GetSecret(_ context.Context, store, key string, _ map[string]string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if store != "secrets" || key != "api-keys" {
		return nil, errors.New("no such secret")
	}
	if f.err != nil {
		return nil, f.err
	}
	out := map[string]string{}
	for k, v := range f.data {
		out[k] = v
	}
	return out, nil
}

func (f *fakeStore) set(data map[string]string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.data, f.err = data, err
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newKeys(t *testing.T, data map[string]string) (*Keys, *fakeStore) {
	t.Helper()
	fs := &fakeStore{data: data}
	k := NewKeys(fs, "secrets", "api-keys", quiet(), prometheus.NewRegistry())
	if err := k.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return k, fs
}

var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte("client=" + Client(r.Context())))
})

func TestWritesNeedAValidKeyInEitherHeader(t *testing.T) {
	k, _ := newKeys(t, map[string]string{"alice": "alice-key", "bob": "bob-key"})
	h := NewGuard(k, false, quiet(), prometheus.NewRegistry()).Write(ok)
	cases := []struct {
		name   string
		header map[string]string
		code   int
		client string
	}{
		{"no key", nil, 401, ""},
		{"wrong bearer", map[string]string{"Authorization": "Bearer nope"}, 401, ""},
		{"wrong api key", map[string]string{"X-API-Key": "nope"}, 401, ""},
		{"prefix of a key", map[string]string{"Authorization": "Bearer alice-ke"}, 401, ""},
		{"basic scheme", map[string]string{"Authorization": "Basic YWxpY2Uta2V5"}, 401, ""},
		{"empty bearer", map[string]string{"Authorization": "Bearer "}, 401, ""},
		{"bearer", map[string]string{"Authorization": "Bearer alice-key"}, 200, "alice"},
		{"bearer, lower-case scheme", map[string]string{"Authorization": "bearer bob-key"}, 200, "bob"},
		{"x-api-key", map[string]string{"X-API-Key": "bob-key"}, 200, "bob"},
		{"subprotocol on a plain request", map[string]string{"Sec-WebSocket-Protocol": "airdisplay.v1, bearer.alice-key"}, 401, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/v1/jobs", nil)
			for k, v := range c.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.code {
				t.Fatalf("status %d, want %d (%s)", rec.Code, c.code, rec.Body)
			}
			if c.code == 401 {
				if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate %q", rec.Header().Get("WWW-Authenticate"))
				}
				if rec.Header().Get("Content-Type") != "application/json" || !strings.HasPrefix(rec.Body.String(), `{"error":`) {
					t.Errorf("body %q (%s)", rec.Body, rec.Header().Get("Content-Type"))
				}
				if strings.Contains(rec.Body.String(), "alice-key") {
					t.Error("the answer reveals a key")
				}
				return
			}
			if got := rec.Body.String(); got != "client="+c.client {
				t.Errorf("handler saw %q, want client=%s", got, c.client)
			}
		})
	}
}

func TestWebSocketSubprotocolCarriesTheKey(t *testing.T) {
	k, _ := newKeys(t, map[string]string{"ui": "ui-key"})
	h := NewGuard(k, true, quiet(), prometheus.NewRegistry()).Read(ok)
	for proto, want := range map[string]int{
		"airdisplay.v1, bearer.ui-key": 200,
		"airdisplay.v1, bearer.other":  401,
		"airdisplay.v1":                401,
	} {
		req := httptest.NewRequest(http.MethodGet, "/v1/ws", nil)
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Sec-WebSocket-Protocol", proto)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("%q: status %d, want %d", proto, rec.Code, want)
		}
	}
}

func TestReadsAreOpenUnlessProtected(t *testing.T) {
	k, _ := newKeys(t, map[string]string{"alice": "alice-key"})
	for _, protect := range []bool{false, true} {
		h := NewGuard(k, protect, quiet(), prometheus.NewRegistry()).Read(ok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/jobs/x", nil))
		want := 200
		if protect {
			want = 401
		}
		if rec.Code != want {
			t.Errorf("AUTH_READS=%v: GET without a key: %d, want %d", protect, rec.Code, want)
		}
		req := httptest.NewRequest(http.MethodGet, "/v1/jobs/x", nil)
		req.Header.Set("Authorization", "Bearer alice-key")
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Errorf("AUTH_READS=%v: GET with a key: %d", protect, rec.Code)
		}
	}
}

func TestReloadKeepsTheLastGoodSet(t *testing.T) {
	k, fs := newKeys(t, map[string]string{"alice": "old-key"})
	// Rotation: the new key works, the removed one does not.
	fs.set(map[string]string{"alice": "new-key", "bob": "bob-key"}, nil)
	if err := k.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, found := k.Match("old-key"); found {
		t.Error("a removed key still matches")
	}
	if name, found := k.Match("new-key"); !found || name != "alice" {
		t.Errorf("new key: %q %v", name, found)
	}
	// The store fails, then answers with no usable key: both keep the set.
	fs.set(nil, errors.New("store unreachable"))
	if err := k.Load(context.Background()); err == nil {
		t.Error("a failed read reported no error")
	}
	fs.set(map[string]string{"alice": " "}, nil)
	if err := k.Load(context.Background()); err == nil || !strings.Contains(err.Error(), "no API key") {
		t.Errorf("an empty secret: %v", err)
	}
	if name, found := k.Match("bob-key"); !found || name != "bob" {
		t.Errorf("after failed reloads: %q %v, want the last good set", name, found)
	}
	if err := k.Ready(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestReloadLoopPicksUpNewKeys(t *testing.T) {
	k, fs := newKeys(t, map[string]string{"alice": "a"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go k.Reload(ctx, 10*time.Millisecond)
	fs.set(map[string]string{"carol": "c"}, nil)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, found := k.Match("c"); found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reload loop never picked up the new key")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestNothingLoadedRejectsEverything(t *testing.T) {
	fs := &fakeStore{err: errors.New("down")}
	k := NewKeys(fs, "secrets", "api-keys", quiet(), nil)
	if err := k.Ready(context.Background()); err == nil {
		t.Error("ready without keys")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := k.LoadWithRetry(ctx, 10*time.Millisecond); err == nil || fs.calls < 2 {
		t.Errorf("LoadWithRetry: %v after %d calls", err, fs.calls)
	}
	if _, found := k.Match(""); found {
		t.Error("the empty key matched")
	}
}

// Match compares every key whatever matches: a wrong key costs the same
// work as a right one (one digest, one constant-time compare per key).
func TestMatchComparesEveryKey(t *testing.T) {
	k, _ := newKeys(t, map[string]string{"a": "key-a", "b": "key-b", "c": "key-c"})
	for _, key := range []string{"key-a", "key-c", "nope"} {
		allocs := testing.AllocsPerRun(100, func() { k.Match(key) })
		if allocs != 0 {
			t.Errorf("Match(%q) allocates %v times", key, allocs)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	l := envconfig.New(func(k string) (string, bool) {
		v, ok := map[string]string{"API_KEYS_SECRET_STORE": "s", "API_KEYS_SECRET": "k", "AUTH_READS": "true"}[k]
		return v, ok
	})
	c := LoadConfig(l)
	if err := l.Err(); err != nil || c != (Config{SecretStore: "s", Secret: "k", AuthReads: true}) {
		t.Fatalf("%+v %v", c, err)
	}
	l = envconfig.New(func(string) (string, bool) { return "", false })
	if c = LoadConfig(l); c.AuthReads || l.Err() == nil || !strings.Contains(l.Err().Error(), "API_KEYS_SECRET_STORE is required") {
		t.Fatalf("%+v %v", c, l.Err())
	}
}
