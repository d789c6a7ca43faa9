package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/airdisplay/platform/tests/localstack"
)

// chromium returns a headless Debian Chromium allocator (`make deps`
// installs it; CHROMIUM overrides the path).
func chromium(t *testing.T) (context.Context, context.CancelFunc) {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		var err error
		if path, err = exec.LookPath("chromium"); err != nil {
			t.Fatal("chromium not found: run `make deps` (installs Debian's chromium) or set CHROMIUM")
		}
	}
	// Not t.TempDir: Chromium may still be writing its profile as it exits,
	// and a failed removal would fail the test.
	profile, err := os.MkdirTemp("", "airdisplay-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(profile) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.UserDataDir(profile),
		// The machine has no network: keep Chromium from reaching out.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	)
	return chromedp.NewExecAllocator(context.Background(), opts...)
}

// In two real browser pages on different replicas: a message posted in one
// (given the API key in its URL fragment) appears in the other within a
// second, is shown as text however much it looks like HTML, and disappears
// when it expires; the page without a key cannot post.
func TestLiveUIInTwoBrowserPages(t *testing.T) {
	id := newBanner(t)
	alloc, cancelAlloc := chromium(t)
	defer cancelAlloc()
	ctx, cancel := context.WithTimeout(alloc, 2*time.Minute)
	defer cancel()
	replicas := env.stack.Apps("banner-actor")
	cardReady := fmt.Sprintf(`document.querySelector('[data-banner-id=%q]') !== null && document.getElementById('status').dataset.state === 'live'`, id)
	open := func(page context.Context, url string) {
		var ok bool
		if err := chromedp.Run(page, chromedp.Navigate(url), chromedp.Poll(cardReady, &ok, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("page at %s: %v", url, err)
		}
	}
	pageA, closeA := chromedp.NewContext(ctx)
	defer closeA()
	// Page A is given the API key in the URL fragment (it posts); page B
	// has none (reads are open).
	open(pageA, replicas[0].URL()+"/#token="+localstack.DevAPIKey) // starts the browser
	var hash, stored string
	if err := chromedp.Run(pageA,
		chromedp.Evaluate(`location.hash`, &hash),
		chromedp.Evaluate(`sessionStorage.getItem('airdisplay.apiKey') || ''`, &stored),
	); err != nil {
		t.Fatal(err)
	}
	if hash != "" || stored != localstack.DevAPIKey {
		t.Errorf("after #token=: location.hash %q (want it removed), stored key %q", hash, stored)
	}
	pageB, closeB := chromedp.NewContext(pageA) // a second tab, on the other replica
	defer closeB()
	open(pageB, replicas[len(replicas)-1].URL()+"/")

	text := `<img src=x onerror="window.pwned=1"><script>window.pwned=1</script> Flight AD42 boards at gate 7`
	shown := fmt.Sprintf(`(() => { const e = document.querySelector('[data-banner-id=%q] [data-role=message]'); return e !== null && e.textContent === %s && e.children.length === 0; })()`, id, strconv.Quote(text))
	if err := chromedp.Run(pageA,
		chromedp.SetValue("#post-banner", id, chromedp.ByID),
		chromedp.SendKeys("#post-text", text, chromedp.ByID),
		chromedp.Click("#post-form button", chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	posted := time.Now()
	var ok bool
	if err := chromedp.Run(pageB, chromedp.Poll(shown, &ok, chromedp.WithPollingTimeout(5*time.Second), chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		t.Fatalf("the message never appeared as text in the second page: %v", err)
	}
	if seen := time.Since(posted); seen > time.Second {
		t.Errorf("the second page showed the message %s after the post, want within 1s", seen.Round(time.Millisecond))
	}
	for i, page := range []context.Context{pageA, pageB} {
		var pwned bool
		if err := chromedp.Run(page, chromedp.Evaluate(`window.pwned === 1`, &pwned)); err != nil || pwned {
			t.Errorf("page %d: the message ran script (pwned=%v, err=%v)", i, pwned, err)
		}
	}

	// A client ignores an event older than what it shows (events from two
	// replicas may arrive out of order): an older version changes nothing.
	var staleText string
	stale := fmt.Sprintf(`(() => {
		const v = banners.get(%q).view;
		apply({...v, version: v.version - 1, current: {id: 'stale', text: 'stale text'}});
		return document.querySelector('[data-banner-id=%q] [data-role=message]').textContent;
	})()`, id, id)
	if err := chromedp.Run(pageA, chromedp.Evaluate(stale, &staleText)); err != nil || staleText == "stale text" {
		t.Errorf("an older event version replaced what the page shows (text %q, err %v)", staleText, err)
	}

	expires := getBanner(t, id).Current.ExpiresAt
	gone := fmt.Sprintf(`document.querySelector('[data-banner-id=%q] [data-role=message]').textContent === 'no message'`, id)
	if err := chromedp.Run(pageB, chromedp.Poll(gone, &ok, chromedp.WithPollingTimeout(time.Until(*expires)+5*time.Second))); err != nil {
		t.Fatalf("the message did not disappear at expiry: %v", err)
	}
	if late := time.Since(*expires); late > 2*time.Second {
		t.Errorf("the page cleared the message %s after expiresAt", late.Round(time.Millisecond))
	}

	// Page B has no key: its post is refused and it says a key is needed.
	refused := `(() => { const e = document.getElementById('post-result'); return e.dataset.kind === 'error' && e.textContent.includes('needs an API key'); })()`
	if err := chromedp.Run(pageB,
		chromedp.SetValue("#post-banner", id, chromedp.ByID),
		chromedp.SendKeys("#post-text", "no key", chromedp.ByID),
		chromedp.Click("#post-form button", chromedp.ByQuery),
		chromedp.Poll(refused, &ok, chromedp.WithPollingTimeout(5*time.Second)),
	); err != nil {
		t.Fatalf("a post without a key did not show that a key is needed: %v", err)
	}
}
