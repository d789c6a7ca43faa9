//go:build e2e_kind

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gruntwork-io/terratest/modules/k8s"
	"github.com/gruntwork-io/terratest/modules/random"
	"github.com/gruntwork-io/terratest/modules/retry"
	test_structure "github.com/gruntwork-io/terratest/modules/test-structure"

	"github.com/airdisplay/platform/infra/deploy/deploy"
	"github.com/airdisplay/platform/tests/e2e/scenario"
)

// The scenario on a kind cluster deployed exactly as `make deploy ENV=kind`
// deploys it; then pods killed with grace 0 mid-run (nothing lost, expiry
// on time); then KEDA scaling the consumer 0 → ≥2 under a backlog and back
// to 0. Stages can be skipped with SKIP_setup, SKIP_validate,
// SKIP_faults, SKIP_scale, SKIP_teardown. With no Docker engine answering,
// the deployer starts the project's own (kindcluster); when that cannot
// start either, setup fails: it never skips.
func TestScenarioOnKind(t *testing.T) {
	t.Parallel()
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

	// Each stage is a subtest, so a red run ends with the stages that
	// failed (CI shows the tail of the output).
	var failed []string
	defer func() {
		if len(failed) > 0 {
			fmt.Printf("e2e-kind: FAILED stages: %s (their errors are above, under === RUN TestScenarioOnKind/<stage>)\n", strings.Join(failed, ", "))
		}
	}()
	stage := func(name string, fn func(t *testing.T)) {
		test_structure.RunTestStage(t, name, func() {
			if !t.Run(name, fn) {
				failed = append(failed, name)
			}
		})
	}

	defer test_structure.RunTestStage(t, "teardown", func() {
		d := newDeployer()
		// A setup that failed mid-deploy may not have saved the namespace:
		// the control planes' logs are still saved and the cluster deleted.
		ns := ""
		if test_structure.IsTestDataPresent(t, test_structure.FormatTestDataPath(workDir, "namespace")) {
			ns = test_structure.LoadString(t, workDir, "namespace")
		}
		saveLogs(t, test_structure.LoadString(t, workDir, "kubeconfig"), ns)
		if err := d.Destroy(ctx); err != nil {
			t.Error(err)
		}
		if err := d.DeleteKindCluster(ctx); err != nil {
			t.Error(err)
		}
	})

	stage("setup", func(t *testing.T) {
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
		if o.Namespace != "" {
			test_structure.SaveString(t, workDir, "namespace", o.Namespace)
		}
		if err != nil {
			t.Fatal(err)
		}
	})
	if len(failed) > 0 {
		t.FailNow() // nothing to validate without a deployment
	}

	stage("validate", func(t *testing.T) {
		kubeconfig, ns := test_structure.LoadString(t, workDir, "kubeconfig"), test_structure.LoadString(t, workDir, "namespace")
		e, closeTunnels := tunnels(t, kubeconfig, ns, "airdisplay")
		defer closeTunnels()
		scenario.Run(ctx, t, e, scenario.Options{Timeout: 5 * time.Minute, RunID: strings.ToLower(random.UniqueId())})
		checkMTLS(t, kubeconfig, ns)
	})

	stage("faults", func(t *testing.T) {
		kubeconfig, ns := test_structure.LoadString(t, workDir, "kubeconfig"), test_structure.LoadString(t, workDir, "namespace")
		podKills(t, kubeconfig, ns, "airdisplay")
	})

	stage("scale", func(t *testing.T) {
		kubeconfig, ns := test_structure.LoadString(t, workDir, "kubeconfig"), test_structure.LoadString(t, workDir, "namespace")
		opts := k8s.NewKubectlOptions("", kubeconfig, ns)
		start := time.Now()
		waitReplicas(t, kubeconfig, ns, "airdisplay-consumer", "back to 0 before the backlog", func(n int32) bool { return n == 0 }, 10*time.Minute)
		fmt.Printf("keda: consumer at 0 replicas, ScaledObject active=%s (%s)\n", scaledObjectActive(t, opts), time.Since(start).Round(time.Second))
		// Past one replica the HPA scales, on the queue length KEDA's
		// metrics server answers: it must be serving first.
		retry.DoWithRetry(t, "external metrics API available", 60, 5*time.Second, func() (string, error) {
			got, err := k8s.RunKubectlAndGetOutputE(t, opts, "get", "apiservice", "v1beta1.external.metrics.k8s.io", "-o", `jsonpath={.status.conditions[?(@.type=="Available")].status} {.status.conditions[?(@.type=="Available")].message}`)
			if status, _, _ := strings.Cut(got, " "); err != nil || status != "True" {
				return "", fmt.Errorf("Available: %q: %v", got, err)
			}
			return "", nil
		})
		e, closeTunnels := tunnels(t, kubeconfig, ns, "airdisplay")
		defer closeTunnels()
		enqueued := time.Now()
		backlog(t, e.Producer, e.APIKey, 2000)
		// Active while the backlog is there: sampled now, not after the
		// scale-up, by when a busy machine may have drained the queue.
		retry.DoWithRetry(t, "ScaledObject active under the backlog", 60, 2*time.Second, func() (string, error) {
			if got := scaledObjectActive(t, opts); got != "True" {
				return "", fmt.Errorf("Active condition %q", got)
			}
			return "", nil
		})
		fmt.Printf("keda: ScaledObject active %s after the backlog was enqueued\n", time.Since(enqueued).Round(time.Second))
		// The scale-up is asserted under a standing backlog: one replica
		// drains 2,000 jobs in about 95 s, and a run on a loaded machine saw
		// the HPA's first metric reads fail for longer than that. So the
		// queue is topped up each 2 minutes, 4 times at most.
		err := replicasWithin(t, kubeconfig, ns, "airdisplay-consumer", "at least 2 under the backlog", func(n int32) bool { return n >= 2 }, 2*time.Minute)
		for top := 1; err != nil && top <= 4; top++ {
			fmt.Printf("keda: still under 2 ready replicas %s after the backlog; topping it up (%d/4)\n", time.Since(enqueued).Round(time.Second), top)
			backlog(t, e.Producer, e.APIKey, 1000)
			err = replicasWithin(t, kubeconfig, ns, "airdisplay-consumer", "at least 2 under the backlog", func(n int32) bool { return n >= 2 }, 2*time.Minute)
		}
		closeTunnels()
		if err != nil {
			describe, _ := k8s.RunKubectlAndGetOutputE(t, opts, "describe", "hpa")
			t.Fatalf("%v\n%s", err, describe)
		}
		fmt.Printf("keda: consumer 0 → ≥2 ready replicas %s after the backlog was enqueued, ScaledObject active=%s\n", time.Since(enqueued).Round(time.Second), scaledObjectActive(t, opts))
		scaledUp := time.Now()
		waitReplicas(t, kubeconfig, ns, "airdisplay-consumer", "back to 0 when idle", func(n int32) bool { return n == 0 }, 15*time.Minute)
		fmt.Printf("keda: consumer back to 0 replicas %s after it reached 2, ScaledObject active=%s\n", time.Since(scaledUp).Round(time.Second), scaledObjectActive(t, opts))
	})
}

// backlog enqueues n slow jobs so the queue stays long enough for KEDA: a
// consumer runs a batch of up to 100 at once, about 33 of these a second,
// so one replica alone needs about a minute for 2,000 — time for the HPA
// to read the queue length and start more (a run with 1 s jobs drained the
// queue before it had).
func backlog(t *testing.T, producer, key string, n int) {
	t.Helper()
	for sent := 0; sent < n; sent += 500 {
		jobs := make([]map[string]any, 500)
		for i := range jobs {
			jobs[i] = map[string]any{"type": "work.simulate", "payload": map[string]any{"sleepMs": 3000}}
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

// scaledObjectActive is the status of the consumer ScaledObject's Active
// condition: KEDA sets it True while the queue has messages.
func scaledObjectActive(t *testing.T, opts *k8s.KubectlOptions) string {
	t.Helper()
	out, err := k8s.RunKubectlAndGetOutputE(t, opts, "get", "scaledobject", "-o", `jsonpath={.items[0].status.conditions[?(@.type=="Active")].status}`)
	if err != nil {
		t.Fatalf("read the ScaledObject: %v", err)
	}
	return strings.TrimSpace(out)
}

// checkMTLS checks that the sidecars run with mTLS from Dapr Sentry: the
// control plane's Configuration has it on and no sidecar says it is off.
func checkMTLS(t *testing.T, kubeconfig, namespace string) {
	t.Helper()
	sys := k8s.NewKubectlOptions("", kubeconfig, "dapr-system")
	on, err := k8s.RunKubectlAndGetOutputE(t, sys, "get", "configurations.dapr.io", "daprsystem", "-o", "jsonpath={.spec.mtls.enabled}")
	if err != nil || strings.TrimSpace(on) != "true" {
		t.Fatalf("Dapr's daprsystem Configuration mtls.enabled = %q (%v), want true", on, err)
	}
	opts := k8s.NewKubectlOptions("", kubeconfig, namespace)
	for _, app := range []string{"producer", "banner-actor"} {
		pods := k8s.ListPods(t, opts, metaSelector("airdisplay", app))
		if len(pods) == 0 {
			t.Fatalf("no %s pod", app)
		}
		logs, err := k8s.RunKubectlAndGetOutputE(t, opts, "logs", pods[0].Name, "-c", "daprd")
		if err != nil {
			t.Fatalf("daprd log of %s: %v", pods[0].Name, err)
		}
		if strings.Contains(logs, "mTLS is disabled") {
			t.Errorf("the sidecar of %s runs without mTLS", pods[0].Name)
		}
	}
	fmt.Println("mtls: on in daprsystem; the sidecars took their certificates from Sentry")
}
