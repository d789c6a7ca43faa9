// Command imagebuild writes one OCI image tarball per service:
//
//	imagebuild -out bin/images -base builtin -registry airdisplay -tag 0.1.0 producer consumer banner-actor
//
// -base builtin uses a minimal non-root base made on the spot (offline);
// for real use pass a distroless static non-root image, e.g.
// gcr.io/distroless/static-debian12:nonroot.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/airdisplay/platform/infra/images/imagebuild"
)

func main() {
	out := flag.String("out", "bin/images", "directory for <service>.tar")
	base := flag.String("base", imagebuild.BuiltinBase, "base image reference, or builtin")
	registry := flag.String("registry", "airdisplay", "image repository prefix")
	tag := flag.String("tag", "0.1.0", "image tag")
	services := flag.String("services-dir", "services", "directory holding one module per service")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	for _, svc := range flag.Args() {
		img, err := imagebuild.Build(ctx, imagebuild.Options{
			Service: svc, ModuleDir: filepath.Join(*services, svc), Base: *base, Version: *tag,
		})
		if err != nil {
			fail(err)
		}
		ref := fmt.Sprintf("%s/%s:%s", *registry, svc, *tag)
		path := filepath.Join(*out, svc+".tar")
		if err := imagebuild.WriteOCITarball(path, ref, img); err != nil {
			fail(err)
		}
		digest, _ := img.Digest()
		fmt.Printf("%s  %s  %s\n", ref, digest, path)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "imagebuild:", err)
	os.Exit(1)
}
