// Command kind-image builds the offline kind node image (`make kind-image`):
//
//	kind-image -root . [-cache DIR] [-import] [-kubectl PATH]
//
// It prints each step with its time, then the image name and archive. With
// -import it also imports the image into the Docker engine kind would use
// (starting the project's own dockerd when needed; see infra/kind/README.md).
// With -kubectl it also links the kubectl built with the node (the same
// Kubernetes version) at PATH, for the e2e suite and the README's commands.
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

	"github.com/airdisplay/platform/infra/deploy/engine"
	"github.com/airdisplay/platform/infra/deploy/kindnode"
)

func main() {
	root := flag.String("root", ".", "repository root")
	cache := flag.String("cache", kindnode.DefaultCacheDir(), "cache directory (keyed by the pins)")
	doImport := flag.Bool("import", false, "import the image into the Docker engine")
	kubectl := flag.String("kubectl", "", "also link the node's kubectl here")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	abs, err := filepath.Abs(*root)
	if err != nil {
		fail(err)
	}
	start := time.Now()
	img, err := kindnode.Build(ctx, kindnode.Options{RepoRoot: abs, CacheDir: *cache, Log: os.Stdout})
	if err != nil {
		fail(err)
	}
	if *doImport {
		eng, err := engine.Ensure(ctx, engine.Options{
			Mode: engine.Mode(os.Getenv("KIND_DOCKER")), StateDir: filepath.Join(abs, ".local", "docker"),
			RepoRoot: abs, Log: os.Stdout,
		})
		if err != nil {
			fail(err)
		}
		if err := kindnode.Import(ctx, img, eng.Env(), os.Stdout); err != nil {
			fail(err)
		}
	}
	if *kubectl != "" {
		_ = os.Remove(*kubectl)
		if err := os.MkdirAll(filepath.Dir(*kubectl), 0o755); err != nil {
			fail(err)
		}
		if err := os.Symlink(img.Kubectl, *kubectl); err != nil {
			fail(err)
		}
	}
	fmt.Printf("kind node image %s (Kubernetes %s) in %s\narchive %s\n",
		img.Ref, img.Kubernetes, time.Since(start).Round(100*time.Millisecond), img.Archive)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kind-image:", err)
	os.Exit(1)
}
