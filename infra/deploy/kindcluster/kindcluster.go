// Package kindcluster makes a kind cluster from the offline node image (or
// an upstream kindest/node) on the Docker engine package engine finds or
// starts. The deployer (`make deploy ENV=kind`) and the kind tests use it.
package kindcluster

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"
	kindexec "sigs.k8s.io/kind/pkg/exec"

	"github.com/airdisplay/platform/infra/deploy/engine"
	"github.com/airdisplay/platform/infra/deploy/kindnode"
)

// LocalImage asks for the node image built here (package kindnode).
const LocalImage = "local"

// Options say which cluster to make and how.
type Options struct {
	Name     string
	RepoRoot string
	// NodeImage is LocalImage (build and import the offline image) or an
	// image reference such as kindest/node:v1.34.0 for a machine that can
	// pull. Default: KIND_NODE_IMAGE, else LocalImage.
	NodeImage string
	// DockerMode chooses the engine; default: KIND_DOCKER, else auto.
	DockerMode engine.Mode
	// CacheDir is the node image cache; default kindnode.DefaultCacheDir().
	CacheDir string
	// Config is a kind v1alpha4 Cluster config (YAML); empty for
	// DefaultConfig.
	Config []byte
	Log    io.Writer
}

// Cluster is a running kind cluster.
type Cluster struct {
	Name       string
	Kubeconfig string // path of its kubeconfig
	NodeImage  string
	Engine     *engine.Engine
	// Offline is true on the node image built here: nothing can be pulled,
	// so every image its workloads run must be loaded into the nodes.
	Offline bool

	provider *cluster.Provider
}

// DefaultConfig is one node whose API server reaches aggregated APIs (KEDA's
// external metrics) and webhooks at their pods' addresses instead of their
// Services' cluster IPs (--enable-aggregator-routing).
//
// Why: a Service's cluster IP works only once kube-proxy has written its
// rules. The API server checks a new APIService at once, and on a loaded
// machine that check can come first; its connection then leaves the node
// for the outside network. Where something out there answers any HTTPS
// connection (here, the sandbox's egress filter answers 404), the
// connection succeeds, and the API server keeps it open and sends every
// later check down it, so the APIService stays unavailable ("bad status
// … 404") although the metrics server answers 200 through the same
// cluster IP. Seen on 2026-12-07 in e2e-kind runs and a `make deploy`,
// with the API server's connection to KEDA's cluster IP in the node's
// conntrack table, never translated to the pod.
// A pod's address exists only once the pod is ready, so this check cannot
// go astray.
const DefaultConfig = `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
kubeadmConfigPatches:
  - |
    kind: ClusterConfiguration
    apiServer:
      extraArgs:
        enable-aggregator-routing: "true"
`

// Ensure returns the named cluster, creating it when it does not exist.
func Ensure(ctx context.Context, o Options) (*Cluster, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.NodeImage == "" {
		o.NodeImage = os.Getenv("KIND_NODE_IMAGE")
	}
	if o.NodeImage == "" {
		o.NodeImage = LocalImage
	}
	if o.DockerMode == "" {
		o.DockerMode = engine.Mode(os.Getenv("KIND_DOCKER"))
	}
	if o.CacheDir == "" {
		o.CacheDir = kindnode.DefaultCacheDir()
	}
	start := time.Now()
	eng, err := engine.Ensure(ctx, engine.Options{
		Mode: o.DockerMode, StateDir: filepath.Join(o.RepoRoot, ".local", "docker"), RepoRoot: o.RepoRoot, Log: o.Log,
	})
	if err != nil {
		return nil, err
	}
	// kind drives the engine through the docker CLI, which reads DOCKER_HOST.
	if err := os.Setenv("DOCKER_HOST", eng.Host); err != nil {
		return nil, err
	}
	c := &Cluster{Name: o.Name, NodeImage: o.NodeImage, Engine: eng, Offline: o.NodeImage == LocalImage, provider: cluster.NewProvider(cluster.ProviderWithDocker())}
	if o.NodeImage == LocalImage {
		img, err := kindnode.Build(ctx, kindnode.Options{RepoRoot: o.RepoRoot, CacheDir: o.CacheDir, Log: o.Log})
		if err != nil {
			return nil, err
		}
		if err := kindnode.Import(ctx, img, eng.Env(), o.Log); err != nil {
			return nil, err
		}
		c.NodeImage = img.Ref
	}
	names, err := c.provider.List()
	if err != nil {
		return nil, fmt.Errorf("list kind clusters: %w", err)
	}
	if !slices.Contains(names, o.Name) {
		fmt.Fprintf(o.Log, "kind: creating cluster %s from %s …\n", o.Name, c.NodeImage)
		t := time.Now()
		opts := []cluster.CreateOption{
			cluster.CreateWithNodeImage(c.NodeImage),
			// Kept on failure long enough to read its logs, then deleted.
			cluster.CreateWithRetain(true),
			cluster.CreateWithWaitForReady(5 * time.Minute),
			cluster.CreateWithDisplayUsage(false),
			cluster.CreateWithDisplaySalutation(false),
		}
		config := o.Config
		if len(config) == 0 {
			config = []byte(DefaultConfig)
		}
		opts = append(opts, cluster.CreateWithRawConfig(config))
		if err := c.provider.Create(o.Name, opts...); err != nil {
			diag := c.diagnose(ctx, err)
			if derr := c.provider.Delete(o.Name, ""); derr != nil {
				diag += "\n(delete after the failure: " + derr.Error() + ")"
			}
			return nil, fmt.Errorf("create kind cluster %s: %w\n%s", o.Name, err, diag)
		}
		fmt.Fprintf(o.Log, "kind: cluster %s is up in %s\n", o.Name, time.Since(t).Round(100*time.Millisecond))
	}
	c.Kubeconfig = filepath.Join(o.RepoRoot, ".local", "kind-"+o.Name+".kubeconfig")
	if err := os.MkdirAll(filepath.Dir(c.Kubeconfig), 0o755); err != nil {
		return nil, err
	}
	if err := c.provider.ExportKubeConfig(o.Name, c.Kubeconfig, false); err != nil {
		return nil, fmt.Errorf("kubeconfig of %s: %w", o.Name, err)
	}
	fmt.Fprintf(o.Log, "kind: cluster %s ready (kubeconfig %s) after %s\n", o.Name, c.Kubeconfig, time.Since(start).Round(100*time.Millisecond))
	return c, nil
}

// diagnose returns what explains a failed creation: the failed command's
// output and the node's systemd journal for containerd, the image preload
// and the kubelet.
func (c *Cluster) diagnose(ctx context.Context, err error) string {
	var b strings.Builder
	if re := kindexec.RunErrorForError(err); re != nil {
		fmt.Fprintf(&b, "--- output of %s:\n%s\n", re.Command, tail(string(re.Output), 30))
	}
	nodes, lerr := c.provider.ListNodes(c.Name)
	if lerr != nil {
		return b.String()
	}
	for _, n := range nodes {
		cmd := exec.CommandContext(ctx, "docker", "exec", n.String(), "journalctl", "--no-pager", "-o", "cat",
			"-u", "containerd", "-u", "airdisplay-preload-images", "-u", "kubelet")
		out, _ := cmd.CombinedOutput()
		fmt.Fprintf(&b, "--- journal of %s (containerd, image preload, kubelet):\n%s\n", n.String(), tail(string(out), 40))
	}
	return b.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("… %d lines before", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// LoadImageArchive imports an image tarball (docker-archive or OCI) into
// every node's containerd.
func (c *Cluster) LoadImageArchive(path string) error {
	nodes, err := c.provider.ListInternalNodes(c.Name)
	if err != nil {
		return fmt.Errorf("nodes of %s: %w", c.Name, err)
	}
	for _, n := range nodes {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		err = nodeutils.LoadImageArchive(n, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("load %s into %s: %w", path, n.String(), err)
		}
	}
	return nil
}

// Delete removes the cluster (its kubeconfig too). The engine keeps
// running: StopEngine stops it when this process started it.
func (c *Cluster) Delete() error {
	if err := c.provider.Delete(c.Name, ""); err != nil {
		return fmt.Errorf("delete kind cluster %s: %w", c.Name, err)
	}
	_ = os.Remove(c.Kubeconfig)
	return nil
}

// DeleteByName removes a cluster by name on whichever engine DOCKER_HOST
// (or the project's own dockerd, when it runs) points at.
func DeleteByName(ctx context.Context, repoRoot, name string) error {
	eng, err := engine.Ensure(ctx, engine.Options{
		Mode: engine.Mode(os.Getenv("KIND_DOCKER")), StateDir: filepath.Join(repoRoot, ".local", "docker"), RepoRoot: repoRoot,
	})
	if err != nil {
		return err
	}
	if err := os.Setenv("DOCKER_HOST", eng.Host); err != nil {
		return err
	}
	return cluster.NewProvider(cluster.ProviderWithDocker()).Delete(name, "")
}

// Exec runs a command on every node of the cluster (as root, in the node
// container), e.g. to prepare a directory a hostPath volume uses.
func (c *Cluster) Exec(args ...string) error {
	nodes, err := c.provider.ListNodes(c.Name)
	if err != nil {
		return fmt.Errorf("nodes of %s: %w", c.Name, err)
	}
	for _, n := range nodes {
		var out strings.Builder
		cmd := n.Command(args[0], args[1:]...)
		cmd.SetStdout(&out)
		cmd.SetStderr(&out)
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s on %s: %w: %s", strings.Join(args, " "), n.String(), err, out.String())
		}
	}
	return nil
}
