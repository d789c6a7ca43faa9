package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/airdisplay/platform/infra/local/stack"
	"github.com/airdisplay/platform/services/contracts/banners"
)

// Expiry across restarts and kills is tested in tests/expiry, from the
// banner-updated events and without reading a banner while it waits.

// A killed sidecar leaves its app running with the banners it hosted still
// activated in memory. They move to the other replica, change there, and
// move back once the sidecar returns. What a banner does next must follow
// what was stored last, not the old activation's copy: a second message
// is refused while the first shows, never shown over it.
func TestBannersFollowTheStoredStateAfterASidecarRestart(t *testing.T) {
	ctx := context.Background()
	replicas := env.stack.Apps("banner-actor")
	if len(replicas) < 2 {
		t.Fatalf("%d banner-actor replicas, want 2", len(replicas))
	}
	// Registering activates each banner on one replica or the other.
	ids := make([]string, 16)
	for i := range ids {
		ids[i] = newBanner(t)
	}
	second := replicas[1]
	second.Sidecar().Kill()

	// The first message goes to every banner while replica 1 is away; a
	// banner it hosted answers once placement has moved it.
	for _, id := range ids {
		post := banners.Post{ID: "first-" + id, Text: "first"}
		deadline := time.Now().Add(time.Minute)
		for {
			code, body := do(t, http.MethodPost, bannerURL()+"/v1/banners/"+id+"/messages", string(mustJSON(t, post)))
			if code == http.StatusCreated || code == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("banner %s did not take its first message while replica 1 was away: %d %s", id, code, body)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	must(t, second.RestartSidecar(ctx))
	waitHostReady(t, second)
	postsBefore := metric(t, "banner_posts_total", second.URL())

	for _, id := range ids {
		// A banner moving back to replica 1 may answer 503 ("retry later")
		// for a moment; what it must never do is take the second message.
		var code int
		var body []byte
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			code, body = do(t, http.MethodPost, bannerURL()+"/v1/banners/"+id+"/messages", `{"text":"second"}`)
			if code != http.StatusServiceUnavailable || time.Now().After(deadline) {
				break
			}
		}
		if code != http.StatusConflict {
			t.Errorf("banner %s: second message answered %d %s, want 409 while the first shows", id, code, body)
		}
		if v := getBanner(t, id); v.Current == nil || v.Current.Text != "first" {
			t.Errorf("banner %s shows %+v, want the first message", id, v.Current)
		}
	}
	if metric(t, "banner_posts_total", second.URL()) == postsBefore {
		t.Fatal("no banner moved back to replica 1 after its sidecar restarted: the test exercised nothing")
	}
}

// waitHostReady waits until the instance's sidecar is in the actor
// placement table again.
func waitHostReady(t *testing.T, in *stack.Instance) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var md struct {
			ActorRuntime struct {
				HostReady bool   `json:"hostReady"`
				Placement string `json:"placement"`
			} `json:"actorRuntime"`
		}
		req, _ := http.NewRequest(http.MethodGet, in.DaprURL()+"/v1.0/metadata", nil)
		req.Header.Set("dapr-api-token", in.Env()["DAPR_API_TOKEN"])
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&md)
			resp.Body.Close()
			if md.ActorRuntime.HostReady && md.ActorRuntime.Placement == "placement: connected" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's sidecar did not rejoin actor placement: %+v %v", in.Name(), md.ActorRuntime, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	must(t, err)
	return b
}
