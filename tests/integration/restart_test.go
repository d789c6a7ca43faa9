package integration

import (
	"context"
	"testing"
	"time"
)

// Expiry and queue advance are durable reminders kept by the Dapr
// scheduler: with every banner-actor replica and its sidecar stopped and
// started again while a message shows, the message still comes down on
// time (within 2 s of expiresAt) and the queued one follows.
func TestExpiryAndQueueAdvanceSurviveARestart(t *testing.T) {
	ctx := context.Background()
	id := newBanner(t)
	postMessage(t, id, "before the restart", true)
	postMessage(t, id, "queued across the restart", true)
	v := getBanner(t, id)
	if v.Current == nil || len(v.Queue) != 1 {
		t.Fatalf("setup: %+v", v)
	}
	expires := *v.Current.ExpiresAt

	replicas := env.stack.Apps("banner-actor")
	errs := make(chan error, len(replicas))
	for _, r := range replicas {
		go func() {
			r.Stop() // SIGTERM app, then its daprd
			errs <- r.Start(ctx)
		}()
	}
	for range replicas {
		must(t, <-errs)
	}
	if time.Now().After(expires) {
		t.Fatalf("the restart took longer than the display time (%s); the test cannot tell on-time expiry", displayDuration)
	}

	// Poll until the first message is history, noting when that was seen.
	deadline := expires.Add(10 * time.Second)
	for {
		v = getBanner(t, id)
		if len(v.History) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the message did not expire after the restart: %+v", v)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if late := time.Since(expires); late > 2*time.Second {
		t.Errorf("expired %s after expiresAt, want within 2s", late.Round(10*time.Millisecond))
	}
	if v.Current == nil || v.Current.Text != "queued across the restart" {
		t.Fatalf("the queue did not advance: %+v", v.Current)
	}
	if v.Current.ShownAt.Sub(expires).Abs() > 2*time.Second {
		t.Errorf("the queued message was shown at %s, expected at about %s", v.Current.ShownAt, expires)
	}
}
