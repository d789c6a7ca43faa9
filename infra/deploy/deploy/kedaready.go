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
const kedaWait = 3 * time.Minute

// WaitForKEDAMetrics waits until KEDA's external metrics API is Available:
// `helm --wait` and Terraform's helm_release only wait for pods to be
// ready. Some fresh installs here (two CI runs of five on 2026-12-07) came
// up with every KEDA pod ready and the metrics server answering 404 for
// its own API group, for good: restarting KEDA's pods did not change it,
// a reinstall of the release (its certificates already made) did, at
// once. So when reinstall is given (the Helm flow) and the API is not
// Available within kedaWait, the release is reinstalled once; without it
// (Terraform's flows) the deploy fails naming the condition. Its message
// is printed at each change.
func WaitForKEDAMetrics(ctx context.Context, kubeconfig string, out io.Writer, reinstall func() error) error {
	return waitForKEDAMetrics(ctx, kubeconfig, out, kedaWait, reinstall)
}

func waitForKEDAMetrics(ctx context.Context, kubeconfig string, out io.Writer, limit time.Duration, reinstall func() error) error {
	msg, err := waitAPIService(ctx, kubeconfig, out, limit)
	if err == nil {
		return nil
	}
	if reinstall == nil {
		return fmt.Errorf("KEDA's %s is not Available: %s: %w (reinstalling the keda release has fixed this)", externalMetricsAPI, msg, err)
	}
	fmt.Fprintf(out, "KEDA: %s still unavailable after %s (%s); reinstalling the release once\n", externalMetricsAPI, limit, msg)
	if err := reinstall(); err != nil {
		return fmt.Errorf("reinstall KEDA: %w", err)
	}
	if msg, err = waitAPIService(ctx, kubeconfig, out, limit); err != nil {
		return fmt.Errorf("KEDA's %s is not Available after a reinstall: %s: %w", externalMetricsAPI, msg, err)
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
		case <-time.After(min(2*time.Second, limit/2)):
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
