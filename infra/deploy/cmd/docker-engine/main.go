// Command docker-engine starts or stops the Docker engine kind uses
// (`make docker-up`, `make docker-down`):
//
//	docker-engine -root . up|down
//
// up prints the DOCKER_HOST to use; down stops the project's own dockerd
// (and with it every container it runs), never a system engine.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/airdisplay/platform/infra/deploy/engine"
)

func main() {
	root := flag.String("root", ".", "repository root")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	abs, err := filepath.Abs(*root)
	if err != nil {
		fail(err)
	}
	state := filepath.Join(abs, ".local", "docker")
	switch flag.Arg(0) {
	case "up":
		eng, err := engine.Ensure(ctx, engine.Options{Mode: engine.Mode(os.Getenv("KIND_DOCKER")), StateDir: state, RepoRoot: abs, Log: os.Stderr})
		if err != nil {
			fail(err)
		}
		fmt.Printf("export DOCKER_HOST=%s\n", eng.Host)
	case "down":
		if err := engine.StopOwn(ctx, state); err != nil {
			fail(err)
		}
		fmt.Fprintln(os.Stderr, "docker engine: the project's dockerd is stopped")
	default:
		fail(fmt.Errorf("want up or down, got %q", flag.Arg(0)))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "docker-engine:", err)
	os.Exit(1)
}
