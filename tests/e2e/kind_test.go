//go:build e2e_kind

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gruntwork-io/terratest/modules/random"
	test_structure "github.com/gruntwork-io/terratest/modules/test-structure"

	"github.com/airdisplay/platform/infra/deploy/deploy"
	"github.com/airdisplay/platform/tests/e2e/scenario"
)

// The scenario on a kind cluster deployed exactly as `make deploy ENV=kind`
// deploys it, then KEDA scaling the consumer 0 → ≥2 under a backlog and
// back to 0. Stages can be skipped with SKIP_setup, SKIP_validate,
// SKIP_scale, SKIP_teardown.
func TestScenarioOnKind(t *testing.T) {
	t.Parallel()
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		t.Skipf("no Docker engine (docker info: %s): kind needs one", strings.TrimSpace(string(out)))
	}
	ctx := context.Background()
	workDir := "../../.local/e2e-kind"
	newDeployer := func() *deploy.Deployer {
		d, err := deploy.New(deploy.Config{
			Env: "kind", RepoRoot: "../..", ImagesDir: "../../bin/images", ImageTag: imageTag(t),
			KindCluster: test_structure.LoadString(t, workDir, "cluster"),
			Vars:        map[string]string{"kubeconfig_path": test_structure.LoadString(t, workDir, "kubeconfig")},
		})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	defer test_structure.RunTestStage(t, "teardown", func() {
		d := newDeployer()
		saveLogs(t, test_structure.LoadString(t, workDir, "kubeconfig"), test_structure.LoadString(t, workDir, "namespace"))
		if err := d.Destroy(ctx); err != nil {
			t.Error(err)
		}
		if err := d.DeleteKindCluster(ctx); err != nil {
			t.Error(err)
		}
	})

	test_structure.RunTestStage(t, "setup", func() {
		cluster := "airdisplay-" + strings.ToLower(random.UniqueId())
		test_structure.SaveString(t, workDir, "cluster", cluster)
		d, err := deploy.New(deploy.Config{Env: "kind", RepoRoot: "../..", ImagesDir: "../../bin/images", ImageTag: imageTag(t), KindCluster: cluster})
		if err != nil {
			t.Fatal(err)
		}
		kubeconfig, err := d.EnsureKindCluster(ctx)
		if err != nil {
			t.Fatal(err)
		}
		test_structure.SaveString(t, workDir, "kubeconfig", kubeconfig)
		o, err := d.Deploy(ctx)
		if err != nil {
			t.Fatal(err)
		}
		test_structure.SaveString(t, workDir, "namespace", o.Namespace)
	})

	test_structure.RunTestStage(t, "validate", func() {
		kubeconfig, ns := test_structure.LoadString(t, workDir, "kubeconfig"), test_structure.LoadString(t, workDir, "namespace")
		e, closeTunnels := tunnels(t, kubeconfig, ns, "airdisplay")
		defer closeTunnels()
		scenario.Run(ctx, t, e, scenario.Options{Timeout: 5 * time.Minute, RunID: strings.ToLower(random.UniqueId())})
	})

	test_structure.RunTestStage(t, "scale", func() {
		kubeconfig, ns := test_structure.LoadString(t, workDir, "kubeconfig"), test_structure.LoadString(t, workDir, "namespace")
		waitReplicas(t, kubeconfig, ns, "airdisplay-consumer", "back to 0 before the backlog", func(n int32) bool { return n == 0 }, 10*time.Minute)
		e, closeTunnels := tunnels(t, kubeconfig, ns, "airdisplay")
		defer closeTunnels()
		backlog(t, e.Producer, e.APIKey, 3000)
		waitReplicas(t, kubeconfig, ns, "airdisplay-consumer", "at least 2 under the backlog", func(n int32) bool { return n >= 2 }, 10*time.Minute)
		waitReplicas(t, kubeconfig, ns, "airdisplay-consumer", "back to 0 when idle", func(n int32) bool { return n == 0 }, 15*time.Minute)
	})
}

// backlog enqueues n slow jobs so the queue stays long enough for KEDA.
func backlog(t *testing.T, producer, key string, n int) {
	t.Helper()
	for sent := 0; sent < n; sent += 500 {
		jobs := make([]map[string]any, 500)
		for i := range jobs {
			jobs[i] = map[string]any{"type": "work.simulate", "payload": map[string]any{"sleepMs": 200}}
		}
		body, _ := json.Marshal(map[string]any{"jobs": jobs})
		req, _ := http.NewRequest(http.MethodPost, producer+"/v1/jobs:batch", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("backlog batch: %s", resp.Status)
		}
	}
	fmt.Printf("enqueued %d jobs\n", n)
}
