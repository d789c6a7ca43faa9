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
