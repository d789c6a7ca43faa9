// Package apikey authenticates API clients with bearer tokens or API keys
// held in a Dapr secret store. Each entry of one secret is a key: the
// entry's name names the client (logs, metrics), its value is the key. The
// set is read through the sidecar at start and reloaded periodically, so a
// key added to or removed from the store (rotation) takes effect without a
// restart. Keys are never logged.
package apikey

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/airdisplay/platform/services/daprapp/envconfig"
)

// SecretGetter is the part of the Dapr client the key set needs.
type SecretGetter interface {
	GetSecret(ctx context.Context, storeName, key string, meta map[string]string) (map[string]string, error)
}

// DefaultReload is how often the key set is read again.
const DefaultReload = 60 * time.Second

// Subprotocol is the WebSocket subprotocol the server selects; a browser,
// which cannot set headers on a WebSocket, offers it together with
// SubprotocolPrefix+key.
const (
	Subprotocol       = "airdisplay.v1"
	SubprotocolPrefix = "bearer."
)

type entry struct {
	name   string
	digest [sha256.Size]byte
}

// Keys is the current set of API keys of one secret.
type Keys struct {
	dapr   SecretGetter
	store  string
	secret string
	log    *slog.Logger

	mu      sync.RWMutex
	entries []entry
	loaded  time.Time

	reloads *prometheus.CounterVec
}

// NewKeys returns an empty key set reading secret from the secret store
// component store. Call Load before serving.
func NewKeys(c SecretGetter, store, secret string, log *slog.Logger, reg prometheus.Registerer) *Keys {
	k := &Keys{
		dapr: c, store: store, secret: secret, log: log,
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "api_keys_reloads_total", Help: "Reads of the API key secret, by result (ok, error).",
		}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(k.reloads)
	}
	return k
}

// Load reads the secret once and replaces the set. On error (unreachable
// store, no such secret, no usable key) the previous set stays in place.
func (k *Keys) Load(ctx context.Context) error {
	data, err := k.dapr.GetSecret(ctx, k.store, k.secret, nil)
	if err != nil {
		k.reloads.WithLabelValues("error").Inc()
		return fmt.Errorf("read secret %q from secret store %q: %w", k.secret, k.store, err)
	}
	entries := make([]entry, 0, len(data))
	for name, key := range data {
		if strings.TrimSpace(key) == "" {
			k.log.Warn("API key entry is empty; ignored", "client", name, "store", k.store, "secret", k.secret)
			continue
		}
		entries = append(entries, entry{name: name, digest: sha256.Sum256([]byte(key))})
	}
	if len(entries) == 0 {
		k.reloads.WithLabelValues("error").Inc()
		return fmt.Errorf("secret %q in secret store %q holds no API key", k.secret, k.store)
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	k.mu.Lock()
	changed := !sameNames(k.entries, entries)
	k.entries, k.loaded = entries, time.Now()
	k.mu.Unlock()
	k.reloads.WithLabelValues("ok").Inc()
	if changed {
		k.log.Info("API keys loaded", "store", k.store, "secret", k.secret, "clients", names(entries))
	}
	return nil
}

// LoadWithRetry calls Load until it succeeds or ctx ends (the sidecar may
// still be loading its components, or restart under the app).
func (k *Keys) LoadWithRetry(ctx context.Context, every time.Duration) error {
	for {
		err := k.Load(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(every):
		}
		k.log.Warn("API keys not loaded yet; retrying", "error", err)
	}
}

// Reload calls Load every interval until ctx ends. A failed read keeps the
// last good set and is logged.
func (k *Keys) Reload(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := k.Load(lctx); err != nil && ctx.Err() == nil {
			k.log.Error("API key reload failed; keeping the last good set", "error", err, "clients", k.Names())
		}
		cancel()
	}
}

// Names lists the clients that have a key.
func (k *Keys) Names() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return names(k.entries)
}

// Ready reports whether a key set is loaded (a readiness check).
func (k *Keys) Ready(context.Context) error {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if len(k.entries) == 0 {
		return errors.New("API keys not loaded")
	}
	return nil
}

// Match returns the client name of key. Every key is compared, in constant
// time over SHA-256 digests, so the time taken says nothing about which key
// or how much of it matched.
func (k *Keys) Match(key string) (string, bool) {
	if key == "" {
		return "", false
	}
	d := sha256.Sum256([]byte(key))
	k.mu.RLock()
	defer k.mu.RUnlock()
	found := -1
	for i := range k.entries {
		if subtle.ConstantTimeCompare(d[:], k.entries[i].digest[:]) == 1 && found < 0 {
			found = i
		}
	}
	if found < 0 {
		return "", false
	}
	return k.entries[found].name, true
}

func names(es []entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.name
	}
	return out
}

func sameNames(a, b []entry) bool {
	return slices.EqualFunc(a, b, func(x, y entry) bool { return x.name == y.name && x.digest == y.digest })
}

type clientKey struct{}

// WithClient stores the authenticated client's name in ctx.
func WithClient(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, clientKey{}, name)
}

// Client is the authenticated client's name in ctx ("" when none).
func Client(ctx context.Context) string {
	s, _ := ctx.Value(clientKey{}).(string)
	return s
}

// Guard is the middleware. Writes always need a key; reads only when
// ProtectReads is set (AUTH_READS).
type Guard struct {
	keys         *Keys
	protectReads bool
	log          *slog.Logger
	requests     *prometheus.CounterVec
}

// NewGuard returns the middleware over keys.
func NewGuard(keys *Keys, protectReads bool, log *slog.Logger, reg prometheus.Registerer) *Guard {
	g := &Guard{
		keys: keys, protectReads: protectReads, log: log,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "api_auth_requests_total", Help: "Authentication decisions, by client (empty when rejected) and result (ok, missing, invalid).",
		}, []string{"client", "result"}),
	}
	if reg != nil {
		reg.MustRegister(g.requests)
	}
	return g
}

// ProtectsReads says whether reads need a key.
func (g *Guard) ProtectsReads() bool { return g.protectReads }

// Write requires a key for h.
func (g *Guard) Write(h http.Handler) http.Handler { return g.require(h) }

// Read requires a key for h when reads are protected.
func (g *Guard) Read(h http.Handler) http.Handler {
	if !g.protectReads {
		return h
	}
	return g.require(h)
}

// Credential is the key a request presents: `Authorization: Bearer <key>`,
// `X-API-Key: <key>`, or on a WebSocket upgrade a `bearer.<key>` subprotocol.
func Credential(r *http.Request) string {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, token, ok := strings.Cut(auth, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(token)
		}
		return ""
	}
	if key := r.Header.Get("X-API-Key"); key != "" {
		return strings.TrimSpace(key)
	}
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
			for _, p := range strings.Split(h, ",") {
				if key, ok := strings.CutPrefix(strings.TrimSpace(p), SubprotocolPrefix); ok {
					return key
				}
			}
		}
	}
	return ""
}

func (g *Guard) require(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := Credential(r)
		if key == "" {
			g.requests.WithLabelValues("", "missing").Inc()
			g.reject(w, r, "missing", "this endpoint needs an API key: send Authorization: Bearer <key> or X-API-Key: <key>")
			return
		}
		name, ok := g.keys.Match(key)
		if !ok {
			g.requests.WithLabelValues("", "invalid").Inc()
			g.reject(w, r, "invalid", "the API key is not valid")
			return
		}
		g.requests.WithLabelValues(name, "ok").Inc()
		h.ServeHTTP(w, r.WithContext(WithClient(r.Context(), name)))
	})
}

func (g *Guard) reject(w http.ResponseWriter, r *http.Request, reason, msg string) {
	g.log.InfoContext(r.Context(), "request rejected: no valid API key", "reason", reason, "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
	w.Header().Set("WWW-Authenticate", `Bearer realm="airdisplay"`)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// Config is where the keys live and what they protect.
type Config struct {
	SecretStore string // API_KEYS_SECRET_STORE: Dapr secret store component
	Secret      string // API_KEYS_SECRET: secret whose entries are the keys
	AuthReads   bool   // AUTH_READS: reads (GET, WebSocket) need a key too
}

// LoadConfig reads API_KEYS_SECRET_STORE and API_KEYS_SECRET (required)
// and AUTH_READS (default false).
func LoadConfig(l *envconfig.Loader) Config {
	return Config{
		SecretStore: l.RequiredFor("API_KEYS_SECRET_STORE", "name of the Dapr secret store component holding the API keys that write endpoints require"),
		Secret:      l.RequiredFor("API_KEYS_SECRET", "name of the secret (in API_KEYS_SECRET_STORE) whose entries are the API keys, client name → key"),
		AuthReads:   l.Bool("AUTH_READS", false),
	}
}

// Start loads the key set through the sidecar (retrying up to 30 s while
// the sidecar settles), keeps reloading it every DefaultReload until ctx
// ends, and returns the middleware. It fails when no key can be loaded: a
// service must not serve writes nobody can authenticate for.
func Start(ctx context.Context, c SecretGetter, cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Guard, error) {
	keys := NewKeys(c, cfg.SecretStore, cfg.Secret, log, reg)
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := keys.LoadWithRetry(lctx, time.Second); err != nil {
		return nil, fmt.Errorf("API keys (API_KEYS_SECRET_STORE=%s, API_KEYS_SECRET=%s): %w", cfg.SecretStore, cfg.Secret, err)
	}
	go keys.Reload(ctx, DefaultReload)
	return NewGuard(keys, cfg.AuthReads, log, reg), nil
}

// Ready reports whether a key set is loaded.
func (g *Guard) Ready(ctx context.Context) error { return g.keys.Ready(ctx) }
