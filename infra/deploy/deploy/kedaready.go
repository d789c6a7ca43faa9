package deploy

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// externalMetricsAPI is the APIService KEDA's metrics server registers: the
// HPA it makes for a ScaledObject reads the queue length through it, so
// the consumer never scales past one replica until it is Available.
const externalMetricsAPI = "v1beta1.external.metrics.k8s.io"

// kedaWait bounds each wait for the external metrics API: a good install
// here took about 100 s (the operator makes its certificates, exits once
// to load them, and the metrics server mounts them).
const kedaWait = 4 * time.Minute

// WaitForKEDAMetrics waits until KEDA's external metrics API is Available:
// `helm --wait` and Terraform's helm_release only wait for pods to be
// ready, while the API also needs the certificates the operator makes and
// patches into the APIService. An install whose API stays unavailable
// (one e2e run in several here, after a fresh install) gets one restart of
// the operator and the metrics server, which makes both load the
// certificates again; the condition's message is printed at each change.
// namespace is KEDA's.
func WaitForKEDAMetrics(ctx context.Context, kubeconfig, namespace string, out io.Writer) error {
	msg, err := waitAPIService(ctx, kubeconfig, out, kedaWait)
	if err == nil {
		return nil
	}
	fmt.Fprintf(out, "KEDA: %s still unavailable after %s (%s); restarting KEDA's deployments once\n", externalMetricsAPI, kedaWait, msg)
	if o, err := kubectlOutput(ctx, kubeconfig, "-n", namespace, "get", "pods", "-o", "wide"); err == nil {
		fmt.Fprint(out, o)
	}
	// Every deployment of the namespace: the chart names them differently
	// (keda-metrics-apiserver here, keda-operator-metrics-apiserver in
	// kedacore/charts).
	if o, err := kubectlOutput(ctx, kubeconfig, "-n", namespace, "rollout", "restart", "deployment"); err != nil {
		return fmt.Errorf("restart KEDA: %v: %s", err, o)
	}
	if msg, err = waitAPIService(ctx, kubeconfig, out, kedaWait); err != nil {
		return fmt.Errorf("KEDA's %s is not Available after a restart: %s: %w", externalMetricsAPI, msg, err)
	}
	return nil
}

// waitAPIService polls the APIService's Available condition every 2 s for
// up to limit; it returns the last message it read.
func waitAPIService(ctx context.Context, kubeconfig string, out io.Writer, limit time.Duration) (string, error) {
	start := time.Now()
	last := ""
	for {
		got, err := kubectlOutput(ctx, kubeconfig, "get", "apiservice", externalMetricsAPI, "-o",
			`jsonpath={.status.conditions[?(@.type=="Available")].status} {.status.conditions[?(@.type=="Available")].message}`)
		got = strings.TrimSpace(got)
		if err != nil {
			got = "reading it: " + err.Error()
		}
		if got != last {
			fmt.Fprintf(out, "KEDA: %s after %s: %s\n", externalMetricsAPI, time.Since(start).Round(time.Second), got)
			last = got
		}
		if err == nil && strings.HasPrefix(got, "True") {
			return got, nil
		}
		if time.Since(start) > limit {
			return last, fmt.Errorf("not Available within %s", limit)
		}
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

func kubectlOutput(ctx context.Context, kubeconfig string, args ...string) (string, error) {
	if kubeconfig != "" {
		args = append([]string{"--kubeconfig", kubeconfig}, args...)
	}
	out, err := exec.CommandContext(ctx, "kubectl", args...).CombinedOutput()
	return string(out), err
}
