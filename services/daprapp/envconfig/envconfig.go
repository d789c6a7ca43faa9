// Package envconfig reads a service's configuration from environment
// variables. Required keys and malformed values are collected, so a service
// reports every configuration mistake at once and exits before serving.
package envconfig

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Loader reads typed values; call Err after the last read.
type Loader struct {
	lookup func(string) (string, bool)
	errs   []error
	seen   []Entry
}

// Entry is one resolved setting, for the start-up log.
type Entry struct {
	Key, Value string
	Secret     bool
}

// New returns a loader over lookup (os.LookupEnv in main, a map in tests).
func New(lookup func(string) (string, bool)) *Loader { return &Loader{lookup: lookup} }

// Err joins every error met so far.
func (l *Loader) Err() error { return errors.Join(l.errs...) }

// Resolved lists every key read with its value, secrets masked.
func (l *Loader) Resolved() []any {
	out := make([]any, 0, len(l.seen)*2)
	for _, e := range l.seen {
		v := e.Value
		if e.Secret && v != "" {
			v = "***"
		}
		out = append(out, e.Key, v)
	}
	return out
}

func (l *Loader) get(key, def string, secret bool) (string, bool) {
	v, ok := l.lookup(key)
	if !ok || v == "" {
		v, ok = def, false
	}
	l.seen = append(l.seen, Entry{Key: key, Value: v, Secret: secret})
	return v, ok
}

// String returns the value of key, or def when unset.
func (l *Loader) String(key, def string) string {
	v, _ := l.get(key, def, false)
	return v
}

// Secret is String for values that must never be logged.
func (l *Loader) Secret(key, def string) string {
	v, _ := l.get(key, def, true)
	return v
}

// Required returns the value of key and records an error when it is unset.
func (l *Loader) Required(key string) string {
	v, ok := l.get(key, "", false)
	if !ok {
		l.errs = append(l.errs, fmt.Errorf("%s is required", key))
	}
	return v
}

// RequiredFor is Required with what the value is for in the error.
func (l *Loader) RequiredFor(key, what string) string {
	v, ok := l.get(key, "", false)
	if !ok {
		l.errs = append(l.errs, fmt.Errorf("%s is required: %s", key, what))
	}
	return v
}

// Int returns key as an integer within [min, max], or def when unset.
func (l *Loader) Int(key string, def, min, max int) int {
	v, ok := l.get(key, strconv.Itoa(def), false)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		l.errs = append(l.errs, fmt.Errorf("%s=%q: want an integer from %d to %d", key, v, min, max))
		return def
	}
	return n
}

// Bool returns key as a boolean (true/false, 1/0, yes/no), or def when unset.
func (l *Loader) Bool(key string, def bool) bool {
	v, ok := l.get(key, strconv.FormatBool(def), false)
	if !ok {
		return def
	}
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on":
		return true
	case "false", "0", "no", "off":
		return false
	}
	l.errs = append(l.errs, fmt.Errorf("%s=%q: want true or false", key, v))
	return def
}

// Duration returns key as a positive Go duration ("30s"), or def when unset.
func (l *Loader) Duration(key string, def time.Duration) time.Duration {
	v, ok := l.get(key, def.String(), false)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		l.errs = append(l.errs, fmt.Errorf("%s=%q: want a positive duration such as 30s", key, v))
		return def
	}
	return d
}
