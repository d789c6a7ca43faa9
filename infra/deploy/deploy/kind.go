package deploy

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/airdisplay/platform/infra/deploy/kindcluster"
)

// EnsureKindCluster creates the kind cluster unless it exists (on the
// offline node image by default; KIND_NODE_IMAGE picks an upstream one) and
// writes its kubeconfig under .local/; it returns the kubeconfig's path.
func (d *Deployer) EnsureKindCluster(ctx context.Context) (string, error) {
	c, err := kindcluster.Ensure(ctx, kindcluster.Options{Name: d.cfg.KindCluster, RepoRoot: d.cfg.RepoRoot, Log: d.cfg.Stdout})
	if err != nil {
		return "", err
	}
	d.kind = c
	return c.Kubeconfig, nil
}

// DeleteKindCluster removes the kind cluster.
func (d *Deployer) DeleteKindCluster(ctx context.Context) error {
	return kindcluster.DeleteByName(ctx, d.cfg.RepoRoot, d.cfg.KindCluster)
}

// LoadImagesIntoKind imports every image tarball into every node.
func (d *Deployer) LoadImagesIntoKind(ctx context.Context) error {
	if d.kind == nil {
		if _, err := d.EnsureKindCluster(ctx); err != nil {
			return err
		}
	}
	archives, err := d.imageArchives()
	if err != nil {
		return err
	}
	for _, a := range archives {
		if err := d.kind.LoadImageArchive(a); err != nil {
			return err
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
