//go:build e2e_kind

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gruntwork-io/terratest/modules/k8s"
	"github.com/gruntwork-io/terratest/modules/random"
	"github.com/gruntwork-io/terratest/modules/retry"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/airdisplay/platform/services/contracts/banners"
	contract "github.com/airdisplay/platform/services/contracts/jobs"
)

// podKills deletes a consumer pod and the banner-actor pod with grace 0
// while jobs are in flight and a banner shows a message, then checks that
// every accepted job succeeded (none lost) and that the message still came
// down within 2 s of its expiresAt, with the queued one shown after it.
// On the way it checks the banner rules a viewer sees: a second post is
// refused with 409 (never overwrites) and a queued one waits its turn.
func podKills(t *testing.T, kubeconfig, namespace, release string) {
	t.Helper()
	opts := k8s.NewKubectlOptions("", kubeconfig, namespace)
	e, closeTunnels := tunnels(t, kubeconfig, namespace, release)
	api := &apiClient{t: t, key: e.APIKey}

	id := "e2e-kill-" + strings.ToLower(random.UniqueId())
	api.call(http.MethodPut, e.BannerActor+"/v1/banners/"+id, banners.Registration{Name: "Pod kill " + id}, nil, http.StatusOK)
	var first banners.PostResult
	api.call(http.MethodPost, e.BannerActor+"/v1/banners/"+id+"/messages", map[string]any{"text": "shown through the kills"}, &first, http.StatusCreated)
	if first.Message == nil || first.Message.ExpiresAt == nil {
		t.Fatalf("post: no message with expiresAt in %+v", first)
	}
	api.call(http.MethodPost, e.BannerActor+"/v1/banners/"+id+"/messages", map[string]any{"text": "must not overwrite"}, nil, http.StatusConflict)
	api.call(http.MethodPost, e.BannerActor+"/v1/banners/"+id+"/messages", map[string]any{"text": "queued behind it", "queue": true}, nil, http.StatusAccepted)

	// Enough work that the kills land while jobs are still in flight: a
	// consumer takes batches of up to 100 and runs each batch at once.
	const jobs = 1000
	var ids []string
	for len(ids) < jobs {
		batch := make([]contract.Request, 100)
		for i := range batch {
			batch[i] = contract.Request{Type: contract.TypeWorkSimulate, Payload: json.RawMessage(`{"sleepMs":500}`)}
		}
		var out struct{ Jobs []struct{ ID string } }
		api.call(http.MethodPost, e.Producer+"/v1/jobs:batch", map[string]any{"jobs": batch}, &out, http.StatusAccepted)
		for _, j := range out.Jobs {
			ids = append(ids, j.ID)
		}
	}
	// Kill once the consumers are working through them.
	retry.DoWithRetry(t, "a job of the batch processed", 60, time.Second, func() (string, error) {
		var rec contract.Record
		api.call(http.MethodGet, e.Producer+"/v1/jobs/"+ids[0], nil, &rec, http.StatusOK)
		if rec.Status != contract.StatusSucceeded {
			return "", fmt.Errorf("job %s is %s", ids[0], rec.Status)
		}
		return "", nil
	})
	closeTunnels()
	killed := time.Now()
	var bannerVictim string
	for _, app := range []string{"consumer", "banner-actor"} {
		pods := k8s.ListPods(t, opts, metaSelector(release, app))
		if len(pods) == 0 {
			t.Fatalf("no %s pod to kill", app)
		}
		k8s.RunKubectl(t, opts, "delete", "pod", pods[0].Name, "--grace-period=0", "--force", "--wait=false")
		fmt.Printf("faults: %s pod %s deleted with grace 0\n", app, pods[0].Name)
		bannerVictim = pods[0].Name
	}
	waitRollout(t, opts, release+"-banner-actor")
	// The rollout can report done before the Deployment has noticed the
	// kill; a tunnel opened then may pick the replacement pod before it
	// runs. Wait until every banner-actor pod is a running, ready one.
	retry.DoWithRetry(t, "banner-actor pods replaced and ready", 60, 5*time.Second, func() (string, error) {
		for _, p := range k8s.ListPods(t, opts, metaSelector(release, "banner-actor")) {
			if p.Name == bannerVictim || !k8s.IsPodAvailable(&p) {
				return "", fmt.Errorf("pod %s is %s", p.Name, p.Status.Phase)
			}
		}
		return "", nil
	})

	e, closeTunnels = tunnels(t, kubeconfig, namespace, release)
	defer closeTunnels()
	pending := ids
	retry.DoWithRetry(t, "every job of the batch succeeded", 60, 5*time.Second, func() (string, error) {
		var left []string
		for _, j := range pending {
			var rec contract.Record
			api.call(http.MethodGet, e.Producer+"/v1/jobs/"+j, nil, &rec, http.StatusOK)
			if rec.Status != contract.StatusSucceeded {
				left = append(left, j)
			}
		}
		pending = left
		if len(left) > 0 {
			return "", fmt.Errorf("%d of %d jobs not succeeded yet", len(left), jobs)
		}
		return "", nil
	})
	fmt.Printf("faults: %d of %d jobs succeeded after the kills, 0 lost (%s after the kills)\n", jobs, jobs, time.Since(killed).Round(time.Second))

	// Expiry is on time through the kills: the message is in the history
	// with its delay, and the queued one shows from that moment.
	var v banners.View
	retry.DoWithRetry(t, "the message expired", 30, 5*time.Second, func() (string, error) {
		api.call(http.MethodGet, e.BannerActor+"/v1/banners/"+id, nil, &v, http.StatusOK)
		if len(v.History) == 0 {
			return "", fmt.Errorf("still showing %+v", v.Current)
		}
		return "", nil
	})
	gone := v.History[0]
	if gone.ID != first.Message.ID || gone.ExpiryDelaySeconds == nil {
		t.Fatalf("history %+v, want %s taken down at its time", v.History, first.Message.ID)
	}
	fmt.Printf("faults: the message expired %.3f s after its expiresAt (must be ≤ 2 s)\n", *gone.ExpiryDelaySeconds)
	if *gone.ExpiryDelaySeconds > 2 {
		t.Errorf("the message came down %.3f s after expiresAt through the pod kills, want ≤ 2 s", *gone.ExpiryDelaySeconds)
	}
	if v.Current == nil || v.Current.Text != "queued behind it" {
		t.Errorf("after the expiry the banner shows %+v, want the queued message", v.Current)
	}
}

// metaSelector selects the pods of one of the chart's services.
func metaSelector(release, component string) metav1.ListOptions {
	return metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + release + ",app.kubernetes.io/component=" + component}
}

// waitRollout waits until a Deployment has all its replicas ready again.
func waitRollout(t *testing.T, opts *k8s.KubectlOptions, name string) {
	t.Helper()
	k8s.RunKubectl(t, opts, "rollout", "status", "deployment/"+name, "--timeout=5m")
}

// apiClient calls the services' REST APIs with the API key.
type apiClient struct {
	t   *testing.T
	key string
}

func (c *apiClient) call(method, url string, in, out any, want int) {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		raw, _ := json.Marshal(in)
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %s %s, want %d", method, url, resp.Status, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, url, err, raw)
		}
	}
}
