package banner

import (
	"context"
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

	sc.PubSubDown.Store(true)
	res, err := a.PostMessage(context.Background(), banners.Post{ID: "m1", Text: "during the outage"})
	if err != nil || res.Outcome != banners.OutcomeShown {
		t.Fatalf("post with the broker away: %+v %v, want it shown", res, err)
	}
	if shownIn(events(t, sc), "m1") {
		t.Fatal("an event was recorded while the broker was away")
	}
	time.Sleep(20 * time.Millisecond) // a few failed retries
	sc.PubSubDown.Store(false)
	deadline := time.Now().Add(5 * time.Second)
	for !shownIn(events(t, sc), "m1") {
		if time.Now().After(deadline) {
			t.Fatal("the event of the post made while the broker was away never went out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func shownIn(evs []banners.Event, id string) bool {
	for _, ev := range evs {
		if ev.Change == "shown" && ev.Banner.Current != nil && ev.Banner.Current.ID == id {
			return true
		}
	}
	return false
}
