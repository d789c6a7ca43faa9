//go:build kind_cluster

package e2e

import (
	"archive/tar"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/gruntwork-io/terratest/modules/k8s"
	"github.com/gruntwork-io/terratest/modules/random"
	"github.com/gruntwork-io/terratest/modules/retry"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/airdisplay/platform/infra/deploy/kindcluster"
)

// A kind cluster from the node image built on this machine (make
// kind-image), on the Docker engine the project finds or starts: the node
// Ready, every kube-system pod Running, a pod from an image built here
// serving through a Service, in-cluster DNS and the API server through the
// kubernetes Service; then the cluster deleted. Nothing is pulled. It
// fails, never skips: `make test-kind` is how the project proves the
// cluster works here.
func TestKindCluster(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	name := "airdisplay-test-" + strings.ToLower(random.UniqueId())

	var c *kindcluster.Cluster
	defer func() {
		if c == nil {
			// Creation failed part-way: a node container may be left.
			_ = kindcluster.DeleteByName(ctx, root, name)
			return
		}
		start := time.Now()
		if err := c.Delete(); err != nil {
			t.Error(err)
		}
		t.Logf("step delete cluster: %s", time.Since(start).Round(100*time.Millisecond))
		if c.Engine.Started {
			if err := c.Engine.Stop(ctx); err != nil {
				t.Error(err)
			}
		}
	}()
	step := func(what string, f func()) {
		start := time.Now()
		f()
		t.Logf("step %s: %s", what, time.Since(start).Round(100*time.Millisecond))
	}

	step("create cluster", func() {
		c, err = kindcluster.Ensure(ctx, kindcluster.Options{Name: name, RepoRoot: root, Log: testLog{t}})
		if err != nil {
			t.Fatal(err)
		}
	})
	opts := k8s.NewKubectlOptions("", c.Kubeconfig, "kube-system")
	client, err := k8s.GetKubernetesClientFromOptionsE(t, opts)
	if err != nil {
		t.Fatal(err)
	}

	step("node Ready and kube-system Running", func() {
		k8s.WaitUntilAllNodesReady(t, opts, 60, 2*time.Second)
		_, err := retry.DoWithRetryE(t, "every kube-system pod Running and ready", 90, 2*time.Second, func() (string, error) {
			pods, err := client.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{})
			if err != nil {
				return "", err
			}
			var notReady []string
			for _, p := range pods.Items {
				if p.Status.Phase != corev1.PodRunning || !podReady(p) {
					notReady = append(notReady, p.Name+"="+string(p.Status.Phase))
				}
			}
			// etcd, apiserver, controller-manager, scheduler, kube-proxy,
			// two CoreDNS replicas.
			if len(pods.Items) < 7 || len(notReady) > 0 {
				return "", fmt.Errorf("%d pods, not ready: %v", len(pods.Items), notReady)
			}
			return fmt.Sprintf("%d pods", len(pods.Items)), nil
		})
		if err != nil {
			logUnreadyPods(ctx, t, client, "kube-system")
			t.Fatal(err)
		}
	})

	// KEDA's metrics API (an aggregated API) must be reached at its pod,
	// not at a cluster IP kube-proxy may not have written yet
	// (kindcluster.DefaultConfig).
	step("API server routes aggregated APIs to pods", func() {
		pods, err := client.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{LabelSelector: "component=kube-apiserver"})
		if err != nil || len(pods.Items) != 1 {
			t.Fatalf("kube-apiserver pods: %v (%d)", err, len(pods.Items))
		}
		if cmd := pods.Items[0].Spec.Containers[0].Command; !slices.Contains(cmd, "--enable-aggregator-routing=true") {
			t.Errorf("kube-apiserver runs without --enable-aggregator-routing=true: %v", cmd)
		}
	})

	const image = "kind.local/airdisplay/kindprobe:test"
	step("build and load the probe image", func() {
		archive := buildProbeImage(t, image)
		if err := c.LoadImageArchive(archive); err != nil {
			t.Fatal(err)
		}
	})

	ns := "probe-" + strings.ToLower(random.UniqueId())
	step("workload through a Service, DNS, API", func() {
		if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		serveProbe(ctx, t, client, ns, image)
		logs := runCheck(ctx, t, client, ns, image)
		for _, want := range []string{"ok   dns kubernetes.default.svc.cluster.local", "ok   dns kindprobe." + ns, "ok   service http://kindprobe." + ns, "ok   api server https://"} {
			if !strings.Contains(logs, want) {
				t.Errorf("probe output lacks %q:\n%s", want, logs)
			}
		}
	})
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func podReady(p corev1.Pod) bool {
	if p.Status.Phase == corev1.PodSucceeded {
		return true
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// buildProbeImage compiles ./kindprobe and writes it as a one-layer image
// tarball, as `make images` does for the services.
func buildProbeImage(t *testing.T, ref string) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "kindprobe")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "./kindprobe")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build kindprobe: %v\n%s", err, out)
	}
	layer, err := tarball.LayerFromFile(tarOf(t, bin, "kindprobe"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Config.Entrypoint = []string{"/kindprobe"}
	cfg.Config.User = "65532"
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "kindprobe.tar")
	if err := tarball.WriteToFile(out, tag, img); err != nil {
		t.Fatal(err)
	}
	return out
}

func serveProbe(ctx context.Context, t *testing.T, client *kubernetes.Clientset, ns, image string) {
	t.Helper()
	labels := map[string]string{"app.kubernetes.io/name": "kindprobe"}
	replicas := int32(2)
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "kindprobe", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "serve", Image: image, ImagePullPolicy: corev1.PullNever, Args: []string{"serve"},
					Ports:          []corev1.ContainerPort{{ContainerPort: 8080}},
					ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(8080)}}, PeriodSeconds: 1},
				}}},
			},
		},
	}
	if _, err := client.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kindprobe"},
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 8080, TargetPort: intstr.FromInt32(8080)}}},
	}
	if _, err := client.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	retry.DoWithRetry(t, "kindprobe deployment available", 60, 2*time.Second, func() (string, error) {
		d, err := client.AppsV1().Deployments(ns).Get(ctx, "kindprobe", metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		if d.Status.AvailableReplicas != replicas {
			return "", fmt.Errorf("%d/%d available", d.Status.AvailableReplicas, replicas)
		}
		return "available", nil
	})
}

// runCheck runs `kindprobe check` in a pod and returns its output; the pod
// must succeed.
func runCheck(ctx context.Context, t *testing.T, client *kubernetes.Clientset, ns, image string) string {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kindprobe-check"},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{
				Name: "check", Image: image, ImagePullPolicy: corev1.PullNever,
				Args: []string{"check", "kindprobe." + ns + ".svc.cluster.local"},
			}},
		},
	}
	if _, err := client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var phase corev1.PodPhase
	retry.DoWithRetry(t, "kindprobe check finished", 60, 2*time.Second, func() (string, error) {
		p, err := client.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		phase = p.Status.Phase
		if phase != corev1.PodSucceeded && phase != corev1.PodFailed {
			return "", fmt.Errorf("phase %s", phase)
		}
		return string(phase), nil
	})
	raw, err := client.CoreV1().Pods(ns).GetLogs(pod.Name, &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("kindprobe check:\n%s", raw)
	if phase != corev1.PodSucceeded {
		t.Fatalf("kindprobe check %s", phase)
	}
	return string(raw)
}

// tarOf writes a layer tarball holding one executable at /name.
func tarOf(t *testing.T, bin, name string) string {
	t.Helper()
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	path := bin + ".layer.tar"
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// logUnreadyPods logs the last lines of every container of each pod that
// is not ready: what explains a cluster that came up broken.
func logUnreadyPods(ctx context.Context, t *testing.T, client *kubernetes.Clientset, ns string) {
	t.Helper()
	pods, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Logf("list pods: %v", err)
		return
	}
	lines := int64(20)
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodRunning && podReady(p) {
			continue
		}
		for _, c := range p.Spec.Containers {
			raw, err := client.CoreV1().Pods(ns).GetLogs(p.Name, &corev1.PodLogOptions{Container: c.Name, TailLines: &lines}).DoRaw(ctx)
			if err != nil {
				raw = []byte(err.Error())
			}
			t.Logf("--- %s/%s (%s):\n%s", p.Name, c.Name, p.Status.Phase, raw)
		}
	}
}
