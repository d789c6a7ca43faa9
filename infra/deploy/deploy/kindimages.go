package deploy

import (
	"context"
	"os"

	"github.com/airdisplay/platform/infra/deploy/kindimages"
	"github.com/airdisplay/platform/infra/deploy/kindnode"
)

// LoadPlatformImagesIntoKind builds (or finds in KIND_CACHE) the images of
// Dapr's control plane and sidecar, KEDA, Redis and RabbitMQ and imports
// them into every node of the kind cluster; it returns their references
// (for the charts' values: see kindimages.Refs and infra/kind/README.md).
func (d *Deployer) LoadPlatformImagesIntoKind(ctx context.Context) ([]kindimages.Image, error) {
	if d.kind == nil {
		if _, err := d.EnsureKindCluster(ctx); err != nil {
			return nil, err
		}
	}
	cache := os.Getenv("KIND_CACHE")
	if cache == "" {
		cache = kindnode.DefaultCacheDir()
	}
	images, err := kindimages.Build(ctx, kindimages.Options{RepoRoot: d.cfg.RepoRoot, CacheDir: cache, Log: d.cfg.Stdout})
	if err != nil {
		return nil, err
	}
	return images, kindimages.LoadAll(d.kind, images, d.cfg.Stdout)
}
