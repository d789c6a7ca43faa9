package integration

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/airdisplay/platform/services/contracts/banners"
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
	// ?banner= opens the board on that banner (the listing holds others).
	open(pageA, replicas[0].URL()+"/?banner="+id+"#token="+localstack.DevAPIKey) // starts the browser
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
	open(pageB, replicas[len(replicas)-1].URL()+"/?banner="+id)

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

// With ten thousand banners registered the board stays usable: it shows a
// page of them, pages forward and back, finds any banner by id, and its
// WebSocket carries the changes of the banners on screen only, so a
// flurry of posts elsewhere never reaches the browser.
func TestBoardStaysUsableWithTenThousandBanners(t *testing.T) {
	const many, pageSize = 10_000, 24
	prefix := fmt.Sprintf("many%d", time.Now().UnixNano()%1_000_000)
	registerMany(t, prefix, many)
	last := fmt.Sprintf("%s-%d", prefix, many-1)

	alloc, cancelAlloc := chromium(t)
	defer cancelAlloc()
	ctx, cancel := context.WithTimeout(alloc, 2*time.Minute)
	defer cancel()
	page, closePage := chromedp.NewContext(ctx)
	defer closePage()
	onScreen := func() []string {
		var ids []string
		if err := chromedp.Run(page, chromedp.Evaluate(`[...document.querySelectorAll('[data-banner-id]')].map((e) => e.dataset.bannerId)`, &ids)); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	waitFor := func(what, cond string) {
		t.Helper()
		var ok bool
		if err := chromedp.Run(page, chromedp.Poll(cond, &ok, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			ids := onScreen()
			t.Fatalf("%s: %v (%d banners on screen, the first: %v)", what, err, len(ids), ids[:min(len(ids), 5)])
		}
	}
	live := `document.getElementById('status').dataset.state === 'live'`
	full := fmt.Sprintf(`document.querySelectorAll('[data-banner-id]').length === %d && %s`, pageSize, live)

	if err := chromedp.Run(page, chromedp.Navigate(env.stack.Apps("banner-actor")[0].URL()+"/")); err != nil {
		t.Fatal(err)
	}
	waitFor("the first page", full)
	first := onScreen()
	if err := chromedp.Run(page, chromedp.Click("#page-next", chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	waitFor("the second page", fmt.Sprintf(`document.getElementById('page-info').textContent === 'banners %d–%d' && %s`, pageSize+1, 2*pageSize, full))
	second := onScreen()
	if slices.ContainsFunc(second, func(id string) bool { return slices.Contains(first, id) }) {
		t.Errorf("the second page repeats banners of the first: %v then %v", first, second)
	}
	if err := chromedp.Run(page, chromedp.Click("#page-prev", chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	waitFor("back to the first page", fmt.Sprintf(`document.getElementById('page-info').textContent === 'banners 1–%d' && %s`, pageSize, full))
	if back := onScreen(); !slices.Equal(back, first) {
		t.Errorf("Previous showed %v, want the first page %v", back, first)
	}

	// The last of ten thousand, found by id.
	if err := chromedp.Run(page,
		chromedp.SendKeys("#find-id", last, chromedp.ByID),
		chromedp.Click("#find-form button[type=submit]", chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	waitFor("the banner found by id", fmt.Sprintf(`(() => { const c = document.querySelectorAll('[data-banner-id]'); return c.length === 1 && c[0].dataset.bannerId === %q && %s; })()`, last, live))
	// From here on: the pages before may have heard of their banners
	// (another test's message expiring, say).
	if err := chromedp.Run(page, chromedp.Evaluate(`received.clear()`, nil)); err != nil {
		t.Fatal(err)
	}

	// Posts to banners off screen, then one to the banner on screen: its
	// event comes after theirs (each post publishes before it answers, and
	// a replica hands events on in order), so once the page shows it,
	// any event of theirs would have arrived.
	for i := range 20 {
		if code, _, body := postMessage(t, fmt.Sprintf("%s-%d", prefix, i), "elsewhere", false); code != http.StatusCreated {
			t.Fatalf("post off screen: %d %s", code, body)
		}
	}
	if code, _, body := postMessage(t, last, "on screen", false); code != http.StatusCreated {
		t.Fatalf("post on screen: %d %s", code, body)
	}
	waitFor("the post to the banner on screen", fmt.Sprintf(`document.querySelector('[data-banner-id=%q] [data-role=message]').textContent === 'on screen'`, last))
	var got map[string]int
	if err := chromedp.Run(page, chromedp.Evaluate(`Object.fromEntries(received)`, &got)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[last] == 0 {
		t.Errorf("the page received events for %v, want only the banner on screen (%s)", got, last)
	}
}

// registerMany registers prefix-0 … prefix-(n-1) through the banner-actor
// sidecars' actor API (the REST API's per-client write limit would make
// this take minutes; the actors are the same).
func registerMany(t *testing.T, prefix string, n int) {
	t.Helper()
	sidecars := env.stack.Apps("banner-actor")
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		in := sidecars[w%len(sidecars)]
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				id := fmt.Sprintf("%s-%d", prefix, i)
				body := fmt.Sprintf(`{"name":"Banner %d","location":"Hall %d"}`, i, i%40)
				req, _ := http.NewRequest(http.MethodPost, in.DaprURL()+"/v1.0/actors/"+banners.ActorType+"/"+id+"/method/Register", strings.NewReader(body))
				req.Header.Set("dapr-api-token", in.Env()["DAPR_API_TOKEN"])
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("register %s: %s", id, resp.Status)
					}
				}
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					next.Store(int64(n))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}
