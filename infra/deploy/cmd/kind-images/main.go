// Command kind-images builds the platform images of the offline kind
// cluster (`make kind-images`): Dapr's control plane and sidecar, KEDA,
// Redis and RabbitMQ, from pinned sources, cached in KIND_CACHE:
//
//	kind-images -root . [-cache DIR] [-refs] [-load CLUSTER]
//
// It prints each step with its time, then every image with its archive.
// -refs prints the image references only (no build). -load imports them
// into every node of that kind cluster (made first if it does not exist).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/airdisplay/platform/infra/deploy/kindcluster"
	"github.com/airdisplay/platform/infra/deploy/kindimages"
	"github.com/airdisplay/platform/infra/deploy/kindnode"
)

func main() {
	root := flag.String("root", ".", "repository root")
	cache := flag.String("cache", kindnode.DefaultCacheDir(), "cache directory (keyed by the pins)")
	refsOnly := flag.Bool("refs", false, "print the image references and exit (builds nothing)")
	load := flag.String("load", "", "load the images into this kind cluster (made if it does not exist)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	abs, err := filepath.Abs(*root)
	if err != nil {
		fail(err)
	}
	if *refsOnly {
		refs, err := kindimages.ReadRefs(ctx, abs)
		if err != nil {
			fail(err)
		}
		fmt.Printf("dapr chart: global.registry=%s global.tag=%s\nkeda manifests: tag %s\n", refs.DaprRegistry, refs.DaprTag, refs.KEDATag)
		for _, r := range refs.All() {
			fmt.Println(r)
		}
		return
	}
	start := time.Now()
	images, err := kindimages.Build(ctx, kindimages.Options{RepoRoot: abs, CacheDir: *cache, Log: os.Stdout})
	if err != nil {
		fail(err)
	}
	fmt.Printf("kind platform images in %s:\n", time.Since(start).Round(100*time.Millisecond))
	for _, img := range images {
		fmt.Printf("  %-58s %s\n", img.Ref, img.Archive)
	}
	if *load != "" {
		c, err := kindcluster.Ensure(ctx, kindcluster.Options{Name: *load, RepoRoot: abs, Log: os.Stdout})
		if err != nil {
			fail(err)
		}
		if err := kindimages.LoadAll(c, images, os.Stdout); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kind-images:", err)
	os.Exit(1)
}
