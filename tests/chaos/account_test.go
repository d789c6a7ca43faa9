package main

import (
	"testing"
	"time"
)

func TestFaultBeforeChargesTheLastKillBeforeTheDueTime(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	rep := &report{Faults: []faultResult{
		{Name: "placement", Killed: t0},
		{Name: "scheduler", Killed: t0.Add(30 * time.Second)},
	}}
	cases := []struct {
		due  time.Time
		want string
	}{
		{t0.Add(-time.Second), ""},
		{t0, "placement"},
		{t0.Add(29 * time.Second), "placement"},
		{t0.Add(30 * time.Second), "scheduler"},
		{t0.Add(time.Hour), "scheduler"},
	}
	for _, c := range cases {
		got := ""
		if f := rep.faultBefore(c.due); f != nil {
			got = f.Name
		}
		if got != c.want {
			t.Errorf("due %s: charged to %q, want %q", c.due.Sub(t0), got, c.want)
		}
	}
}

// A message is owed 2 s after its time, or 2 s after a process expiry
// needs (here Redis) served again when it was away at that time; a fault
// expiry does not need (the scheduler: the timer covers it) extends nothing.
func TestExpiryDeadlineAllowsForOutagesExpiryDependsOn(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	rep := &report{lateAfter: 2 * time.Second, Faults: []faultResult{
		{Name: "scheduler", Killed: t0, Recovered: 2 * time.Second},
		{Name: "redis", Killed: t0.Add(30 * time.Second), Recovered: 3 * time.Second, expiry: true},
	}}
	cases := []struct {
		name      string
		due, want time.Time
	}{
		{"no fault near", t0.Add(-10 * time.Second), t0.Add(-8 * time.Second)},
		{"the scheduler away", t0.Add(time.Second), t0.Add(3 * time.Second)},
		{"due just before Redis died", t0.Add(29 * time.Second), t0.Add(35 * time.Second)},
		{"due while Redis is away", t0.Add(31 * time.Second), t0.Add(35 * time.Second)},
		{"due after Redis is back", t0.Add(34 * time.Second), t0.Add(36 * time.Second)},
	}
	for _, c := range cases {
		if got := rep.expiryDeadline(c.due); !got.Equal(c.want) {
			t.Errorf("%s: deadline %s, want %s", c.name, got.Sub(t0), c.want.Sub(t0))
		}
	}
}
