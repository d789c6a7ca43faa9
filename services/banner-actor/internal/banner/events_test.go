package banner

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/airdisplay/platform/services/contracts/banners"
)

// A change made while the broker is away is stored and answered at once;
// its event, whose publish failed, goes out once the broker is back, so a
// viewer connected across the fault still sees the message.
func TestAnEventWhosePublishFailedGoesOutWhenTheBrokerIsBack(t *testing.T) {
	t.Parallel()
	a, sc := stillBanner(t)
	a.d.Events.Backoff, a.d.Events.MaxBackoff = time.Millisecond, 10*time.Millisecond
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.d.Events.Run(ctx, time.Second) }()
	t.Cleanup(func() { stop(); <-done })

	before := len(events(t, sc)) // the registration's
	sc.PubSubDown.Store(true)
	res, err := a.PostMessage(context.Background(), banners.Post{ID: "m1", Text: "during the outage"})
	if err != nil || res.Outcome != banners.OutcomeShown {
		t.Fatalf("post with the broker away: %+v %v, want it shown", res, err)
	}
	queued, err := a.PostMessage(context.Background(), banners.Post{ID: "m2", Text: "queued during the outage", Queue: true})
	if err != nil || queued.Outcome != banners.OutcomeQueued {
		t.Fatalf("queued post with the broker away: %+v %v", queued, err)
	}
	if n := len(events(t, sc)) - before; n != 0 {
		t.Fatalf("%d events recorded while the broker was away", n)
	}
	time.Sleep(20 * time.Millisecond) // a few failed retries
	sc.PubSubDown.Store(false)
	want := []string{"shown", "queued"}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var got []string
		for _, ev := range events(t, sc)[before:] {
			got = append(got, ev.Change)
		}
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("events after the broker came back: %v, want %v (each change of the outage, once, in order)", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
