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

// WaitForKEDAMetrics waits until KEDA's external metrics API is Available,
// printing its condition at each change: `helm --wait` and Terraform's
// helm_release only wait for pods to be ready. On kind the API server
// reaches it at the metrics server's pod (kindcluster.DefaultConfig says
// why); a deploy whose API stays unavailable fails naming the condition.
func WaitForKEDAMetrics(ctx context.Context, kubeconfig string, out io.Writer) error {
	return waitForKEDAMetrics(ctx, kubeconfig, out, kedaWait)
}

func waitForKEDAMetrics(ctx context.Context, kubeconfig string, out io.Writer, limit time.Duration) error {
	if msg, err := waitAPIService(ctx, kubeconfig, out, limit); err != nil {
		return fmt.Errorf("KEDA's %s is not Available: %s: %w", externalMetricsAPI, msg, err)
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
