package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"
)

// EnsureKindCluster creates the kind cluster unless it exists, and writes
// its kubeconfig under .local/; it returns the kubeconfig's path.
func (d *Deployer) EnsureKindCluster(ctx context.Context) (string, error) {
	provider := cluster.NewProvider(cluster.ProviderWithDocker())
	names, err := provider.List()
	if err != nil {
		return "", fmt.Errorf("list kind clusters: %w", err)
	}
	if !slices.Contains(names, d.cfg.KindCluster) {
		fmt.Fprintf(d.cfg.Stdout, "creating kind cluster %s…\n", d.cfg.KindCluster)
		if err := provider.Create(d.cfg.KindCluster, cluster.CreateWithWaitForReady(5*time.Minute)); err != nil {
			return "", fmt.Errorf("create kind cluster %s: %w", d.cfg.KindCluster, err)
		}
	}
	path := filepath.Join(d.cfg.RepoRoot, ".local", "kind-"+d.cfg.KindCluster+".kubeconfig")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	if err := provider.ExportKubeConfig(d.cfg.KindCluster, path, false); err != nil {
		return "", fmt.Errorf("kubeconfig of %s: %w", d.cfg.KindCluster, err)
	}
	return path, nil
}

// DeleteKindCluster removes the kind cluster.
func (d *Deployer) DeleteKindCluster() error {
	provider := cluster.NewProvider(cluster.ProviderWithDocker())
	return provider.Delete(d.cfg.KindCluster, "")
}

// LoadImagesIntoKind imports every image tarball into every node.
func (d *Deployer) LoadImagesIntoKind(_ context.Context) error {
	provider := cluster.NewProvider(cluster.ProviderWithDocker())
	nodes, err := provider.ListInternalNodes(d.cfg.KindCluster)
	if err != nil {
		return fmt.Errorf("nodes of %s: %w", d.cfg.KindCluster, err)
	}
	archives, err := d.imageArchives()
	if err != nil {
		return err
	}
	for _, a := range archives {
		for _, n := range nodes {
			f, err := os.Open(a)
			if err != nil {
				return err
			}
			err = nodeutils.LoadImageArchive(n, f)
			f.Close()
			if err != nil {
				return fmt.Errorf("load %s into %s: %w", a, n.String(), err)
			}
		}
		fmt.Fprintf(d.cfg.Stdout, "loaded %s into kind\n", filepath.Base(a))
	}
	return nil
}

func (d *Deployer) imageArchives() ([]string, error) {
	var out []string
	for _, svc := range Services {
		p := filepath.Join(d.cfg.ImagesDir, svc+".tar")
		if !fileExists(p) {
			return nil, fmt.Errorf("image %s not found: run `make images`", p)
		}
		out = append(out, p)
	}
	return out, nil
}

// Services are the platform's services, as named in images and the chart.
var Services = []string{"producer", "consumer", "banner-actor"}
