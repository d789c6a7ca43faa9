package charttests

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/airdisplay/platform/infra/local/stack"
	"github.com/airdisplay/platform/tests/localstack"
)

// The kind flavor's Dapr components and Resiliency, rendered by the chart
// and pointed at a local Redis and RabbitMQ, are loaded by real daprd
// sidecars in self-hosted mode: a job makes the round trip producer →
// jobs pub/sub (RabbitMQ) → consumer with its record in the chart's
// jobstore, and a banner actor keeps its state in the chart's statestore.
// The jobs pub/sub loads in the producer's sidecar too, which only
// publishes (a pub/sub component needs no subscriber to load); the
// consumer's subscription reads the queue the local stack declared as the
// backing chart's broker does (exchange and queue jobsQueue.name).
// The AMQP URL reaches the pub/sub through its secretKeyRef, resolved here
// by a local file secret store standing in for Kubernetes' Secret, which
// also holds the API keys (API_KEYS_SECRET) the apps read through it.
func TestKindComponentsLoadInARealDaprd(t *testing.T) {
	ports, err := stack.RandomPorts()
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := renderE(t, []string{filepath.Join(chartDir, "values-kind.yaml")}, map[string]string{
		"dapr.secretStore": "localsecrets",
		"kind.redis.host":  "127.0.0.1",
		"kind.redis.port":  fmt.Sprint(ports.Redis),
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	loaded := writeDaprResources(t, manifest, dir)
	for _, want := range []string{"Component/jobs", "Component/jobstore", "Component/statestore", "Component/pubsub", "Resiliency/"} {
		if !strings.Contains(strings.Join(loaded, " "), want) {
			t.Fatalf("the chart rendered no %s (got %v)", want, loaded)
		}
	}
	secrets, _ := json.Marshal(map[string]map[string]string{
		"airdisplay-rabbitmq": {"RABBITMQ_URL": fmt.Sprintf("amqp://guest:guest@127.0.0.1:%d/", ports.RabbitMQ)},
		"airdisplay-api-keys": {"default": localstack.DevAPIKey},
	})
	secretsFile := filepath.Join(t.TempDir(), "secrets.json")
	must(t, os.WriteFile(secretsFile, secrets, 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "localsecrets.yaml"), fmt.Appendf(nil, `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: localsecrets
spec:
  type: secretstores.local.file
  version: v1
  metadata:
    - name: secretsFile
      value: %q
    - name: multiValued
      value: "true"
`, secretsFile), 0o644))

	ctx := context.Background()
	s, err := localstack.Start(ctx, t.TempDir(), localstack.Options{
		Ports:          ports,
		ResourcesPaths: []string{dir},
		// The chart's pub/sub consumerID is {podName}; daprd reads POD_NAME.
		// The apps read their API keys from the chart's secret store.
		AppEnv: map[string]map[string]string{
			"banner-actor": {"POD_NAME": "banner-actor-0", "API_KEYS_SECRET_STORE": "localsecrets", "API_KEYS_SECRET": "airdisplay-api-keys"},
			"producer":     {"API_KEYS_SECRET_STORE": "localsecrets", "API_KEYS_SECRET": "airdisplay-api-keys"},
		},
	})
	if err != nil {
		t.Fatalf("the stack did not start on the chart's components: %v", err)
	}
	defer s.Stop()
	defer func() {
		if t.Failed() {
			localstack.DumpLogs(os.Stderr, s, 30)
		}
	}()

	roundTrip(t, s, "chart-test")
}

// roundTrip checks the platform on a running stack: a job from the producer
// succeeds through the jobs pub/sub and the jobstore, and a banner
// registered and posted to shows the message (actor state in statestore).
func roundTrip(t *testing.T, s *stack.Stack, bannerID string) {
	t.Helper()
	producer := s.App("producer").URL()
	var ref struct{ ID string }
	post(t, producer+"/v1/jobs", `{"type":"work.simulate","payload":{}}`, http.StatusAccepted, &ref)
	deadline := time.Now().Add(time.Minute)
	for {
		var rec struct{ Status string }
		get(t, producer+"/v1/jobs/"+ref.ID, &rec)
		if rec.Status == "succeeded" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is %s after a minute", ref.ID, rec.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}

	banner := s.App("banner-actor").URL()
	req, _ := http.NewRequest(http.MethodPut, banner+"/v1/banners/"+bannerID, strings.NewReader(`{"name":"Chart test"}`))
	req.Header.Set("Authorization", "Bearer "+localstack.DevAPIKey)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("register a banner: %s", resp.Status)
	}
	post(t, banner+"/v1/banners/"+bannerID+"/messages", `{"text":"hello from the chart"}`, http.StatusCreated, nil)
	var v struct{ Current *struct{ Text string } }
	get(t, banner+"/v1/banners/"+bannerID, &v)
	if v.Current == nil || v.Current.Text != "hello from the chart" {
		t.Fatalf("banner %s shows %+v", bannerID, v.Current)
	}
}

// writeDaprResources writes each dapr.io document of the manifest to dir
// and returns "Kind/name" of each.
func writeDaprResources(t *testing.T, manifest, dir string) []string {
	t.Helper()
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(manifest)))
	var out []string
	for i := 0; ; i++ {
		doc, err := r.Read()
		if err == io.EOF {
			return out
		}
		must(t, err)
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct{ Name string }
		}
		if yaml.Unmarshal(doc, &head) != nil || !strings.HasPrefix(head.APIVersion, "dapr.io/") {
			continue
		}
		if head.Kind != "Component" && head.Kind != "Resiliency" {
			continue // Configuration goes with --config, and needs Sentry for mTLS
		}
		must(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("%02d-%s.yaml", i, head.Metadata.Name)), doc, 0o644))
		out = append(out, head.Kind+"/"+head.Metadata.Name)
	}
}

func post(t *testing.T, url, body string, want int, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+localstack.DevAPIKey)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST %s: %s %s", url, resp.Status, data)
	}
	if out != nil {
		must(t, json.Unmarshal(data, out))
	}
}

func get(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	must(t, err)
	defer resp.Body.Close()
	must(t, json.NewDecoder(resp.Body).Decode(out))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
