//go:build e2e_kind || e2e_azure

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gruntwork-io/terratest/modules/k8s"
	"github.com/gruntwork-io/terratest/modules/retry"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/airdisplay/platform/tests/e2e/scenario"
)

// tunnels opens port-forwards to the services in namespace and returns the
// scenario's endpoints; close them with the returned func. KEDA keeps the
// consumer at zero replicas on an empty queue, so a warm-up job wakes it
// before its tunnel opens.
func tunnels(t *testing.T, kubeconfig, namespace, release string) (scenario.Endpoints, func()) {
	t.Helper()
	opts := k8s.NewKubectlOptions("", kubeconfig, namespace)
	open := func(svc string) *k8s.Tunnel {
		// A tunnel to a Service forwards to the port of one of its pods
		// (as kubectl port-forward does), so it names the app's container
		// port ("http", the Service's targetPort), not the Service's 80.
		tun := k8s.NewTunnel(opts, k8s.ResourceTypeService, release+"-"+svc, 0, httpPort(t, opts, release+"-"+svc))
		tun.ForwardPort(t)
		return tun
	}
	producer := open("producer")
	banner := open("banner-actor")
	key := apiKey(t, opts, release)
	req, _ := http.NewRequest(http.MethodPost, "http://"+producer.Endpoint()+"/v1/jobs", strings.NewReader(`{"type":"work.simulate","payload":{}}`))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("warm-up job: %v", err)
	}
	resp.Body.Close()
	waitReplicas(t, kubeconfig, namespace, release+"-consumer", "at least 1 after the warm-up job", func(n int32) bool { return n >= 1 }, 5*time.Minute)
	// No tunnel to a consumer: KEDA removes idle ones within seconds.
	e := scenario.Endpoints{
		Producer:            "http://" + producer.Endpoint(),
		BannerActor:         "http://" + banner.Endpoint(),
		ConsumersAutoscaled: true,
		Origin:              "http://" + banner.Endpoint(),
		APIKey:              key,
	}
	closers := []func(){producer.Close, banner.Close}
	// Every banner-actor pod, for /metrics: posts count where the actor is.
	for _, pod := range k8s.ListPods(t, opts, metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + release + ",app.kubernetes.io/component=banner-actor"}) {
		tun := k8s.NewTunnel(opts, k8s.ResourceTypePod, pod.Name, 0, httpPort(t, opts, release+"-banner-actor"))
		tun.ForwardPort(t)
		e.BannerActors = append(e.BannerActors, "http://"+tun.Endpoint())
		closers = append(closers, tun.Close)
	}
	// Idempotent, so a stage can defer it and still close early.
	var once sync.Once
	return e, func() {
		once.Do(func() {
			for _, c := range closers {
				c()
			}
		})
	}
}

// apiKey reads one API key from the Secret the chart (kind: generated) or
// the deployer (azure) created: <release>-api-keys, client name → key.
func apiKey(t *testing.T, opts *k8s.KubectlOptions, release string) string {
	t.Helper()
	s := k8s.GetSecret(t, opts, release+"-api-keys")
	names := make([]string, 0, len(s.Data))
	for name := range s.Data {
		names = append(names, name)
	}
	if len(names) == 0 {
		t.Fatalf("Secret %s-api-keys holds no API key", release)
	}
	sort.Strings(names)
	return string(s.Data[names[0]])
}

// waitReplicas retries until the consumer Deployment has a ready replica
// count that satisfies ok, and fails the test if it does not in timeout.
func waitReplicas(t *testing.T, kubeconfig, namespace, name string, what string, ok func(int32) bool, timeout time.Duration) {
	t.Helper()
	if err := replicasWithin(t, kubeconfig, namespace, name, what, ok, timeout); err != nil {
		t.Fatal(err)
	}
}

// replicasWithin is waitReplicas that returns the error instead.
func replicasWithin(t *testing.T, kubeconfig, namespace, name string, what string, ok func(int32) bool, timeout time.Duration) error {
	t.Helper()
	opts := k8s.NewKubectlOptions("", kubeconfig, namespace)
	_, err := retry.DoWithRetryE(t, "consumer replicas "+what, int(timeout/(10*time.Second)), 10*time.Second, func() (string, error) {
		d, err := k8s.GetDeploymentE(t, opts, name)
		if err != nil {
			return "", err
		}
		if ok(d.Status.ReadyReplicas) {
			return fmt.Sprint(d.Status.ReadyReplicas), nil
		}
		return "", fmt.Errorf("%d ready replicas", d.Status.ReadyReplicas)
	})
	return err
}

// saveLogs copies the logs of every pod of the platform's namespace and of
// the control planes beside it (Dapr, KEDA) to .local/e2e-logs for the CI
// artifact, with each namespace's pods and events.
func saveLogs(t *testing.T, kubeconfig, namespace string) {
	dir := "../../.local/e2e-logs"
	_ = os.MkdirAll(dir, 0o755)
	kubectl := func(args ...string) ([]byte, error) {
		return exec.Command("kubectl", append([]string{"--kubeconfig", kubeconfig}, args...)...).CombinedOutput()
	}
	for _, ns := range []string{namespace, "dapr-system", "keda"} {
		if ns == "" {
			continue
		}
		out, err := exec.Command("kubectl", "--kubeconfig", kubeconfig, "-n", ns, "get", "pods", "-o", "name").Output()
		if err != nil {
			t.Logf("listing pods of %s for logs: %v", ns, err)
			continue
		}
		for _, pod := range strings.Fields(string(out)) {
			logs, _ := kubectl("-n", ns, "logs", pod, "--all-containers")
			_ = os.WriteFile(dir+"/"+ns+"_"+strings.ReplaceAll(pod, "/", "_")+".log", logs, 0o644)
			if prev, err := kubectl("-n", ns, "logs", pod, "--all-containers", "--previous"); err == nil {
				_ = os.WriteFile(dir+"/"+ns+"_"+strings.ReplaceAll(pod, "/", "_")+".previous.log", prev, 0o644)
			}
		}
		state, _ := kubectl("-n", ns, "get", "pods,events", "-o", "wide")
		_ = os.WriteFile(dir+"/"+ns+"_state.txt", state, 0o644)
	}
	api, _ := kubectl("get", "apiservice", "v1beta1.external.metrics.k8s.io", "-o", "yaml")
	_ = os.WriteFile(dir+"/apiservice_external_metrics.yaml", api, 0o644)
}

// httpPort is the container port named "http" of a Deployment's pods: the
// port the chart's Services target.
func httpPort(t *testing.T, opts *k8s.KubectlOptions, deployment string) int {
	t.Helper()
	d := k8s.GetDeployment(t, opts, deployment)
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == "http" {
				return int(p.ContainerPort)
			}
		}
	}
	t.Fatalf("deployment %s has no container port named http", deployment)
	return 0
}
