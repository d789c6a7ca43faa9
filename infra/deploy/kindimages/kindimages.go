// Package kindimages builds every platform image the kind cluster runs
// besides the project's own services, with nothing pulled from a registry:
//
//   - Dapr's control plane and sidecar (daprd, operator, placement, sentry,
//     injector, scheduler) from github.com/dapr/dapr at the pin of
//     infra/kind/build/dapr (the runtime version infra/local/daprbuild pins
//     too), named and tagged as Dapr's chart at that version runs them;
//   - KEDA (operator, metrics API server, admission webhooks) from
//     github.com/kedacore/keda/v2 at the pin of infra/kind/build/keda,
//     named as its release manifests (config/) run them;
//   - Redis and RabbitMQ from Debian bookworm's packages (mmdebstrap, as
//     for the node image), running as a fixed non-root user.
//
// Every artefact is cached outside the clone (KIND_CACHE) under a key of
// its inputs: the pins (build modules' go.mod and go.sum), the Go version,
// the Debian suite, mirror and packages, and this package's recipe. A warm
// Build reads those few small files and checks that the directories exist;
// it never rehashes the outputs.
package kindimages

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/airdisplay/platform/infra/deploy/kindnode"
)

// recipe is part of every cache key here: raise it when this package
// changes what it makes from the same inputs.
const recipe = "kindimages/1"

// Options configure Build.
type Options struct {
	RepoRoot string
	// CacheDir is KIND_CACHE (kindnode.DefaultCacheDir()).
	CacheDir string
	// Mirror is the Debian mirror; default: the one apt uses here.
	Mirror string
	// Log gets one line per step with its time.
	Log io.Writer
}

// Image is one built image: its reference and a docker-archive tarball
// (what `docker load`, `ctr images import` and kind's image loading read).
type Image struct {
	Ref     string
	Archive string
}

// Pins are the versions the images are built from.
type Pins struct {
	Dapr string // github.com/dapr/dapr in infra/kind/build/dapr
	KEDA string // github.com/kedacore/keda/v2 in infra/kind/build/keda

	daprDir, kedaDir string // the modules' sources
}

// BuildDir is where the nested build modules live.
func BuildDir(repoRoot string) string { return kindnode.BuildDir(repoRoot) }

// ReadPins reads the pins and checks that the Dapr pin is the runtime the
// local stack runs (infra/local/daprbuild): one Dapr version for both.
func ReadPins(repoRoot string) (Pins, error) {
	var p Pins
	var err error
	if p.Dapr, err = kindnode.Requirement(filepath.Join(BuildDir(repoRoot), "dapr", "go.mod"), "github.com/dapr/dapr"); err != nil {
		return p, err
	}
	local, err := kindnode.Requirement(filepath.Join(repoRoot, "infra", "local", "daprbuild", "go.mod"), "github.com/dapr/dapr")
	if err != nil {
		return p, err
	}
	if local != p.Dapr {
		return p, fmt.Errorf("infra/kind/build/dapr pins Dapr %s but infra/local/daprbuild pins %s: one runtime version for both", p.Dapr, local)
	}
	if p.KEDA, err = kindnode.Requirement(filepath.Join(BuildDir(repoRoot), "keda", "go.mod"), "github.com/kedacore/keda/v2"); err != nil {
		return p, err
	}
	return p, nil
}

// ReadRefs derives every image reference from the pins and the charts and
// manifests inside the pinned modules (downloading the modules' source into
// the Go module cache if needed); it builds nothing.
func ReadRefs(ctx context.Context, repoRoot string) (Refs, error) {
	p, err := ReadPins(repoRoot)
	if err != nil {
		return Refs{}, err
	}
	if err := p.sources(ctx, repoRoot); err != nil {
		return Refs{}, err
	}
	refs, _, _, err := p.refs()
	return refs, err
}

func (p *Pins) sources(ctx context.Context, repoRoot string) error {
	var err error
	if p.daprDir, err = kindnode.ModuleDir(ctx, filepath.Join(BuildDir(repoRoot), "dapr"), "github.com/dapr/dapr@"+p.Dapr); err != nil {
		return err
	}
	p.kedaDir, err = kindnode.ModuleDir(ctx, filepath.Join(BuildDir(repoRoot), "keda"), "github.com/kedacore/keda/v2@"+p.KEDA)
	return err
}

func (p Pins) refs() (Refs, []daprImage, []kedaImage, error) {
	registry, dapr, err := daprChartImages(filepath.Join(p.daprDir, "charts", "dapr"))
	if err != nil {
		return Refs{}, nil, nil, err
	}
	keda, err := kedaConfigImages(filepath.Join(p.kedaDir, "config"))
	if err != nil {
		return Refs{}, nil, nil, err
	}
	return refsOf(p, registry, dapr, keda), dapr, keda, nil
}

func refsOf(p Pins, registry string, dapr []daprImage, keda []kedaImage) Refs {
	r := Refs{
		DaprRegistry: registry, DaprTag: imageTag(p.Dapr), Dapr: map[string]string{},
		KEDATag: imageTag(p.KEDA), KEDA: map[string]string{},
		Redis: RedisImage, RabbitMQ: RabbitMQImage,
	}
	for _, d := range dapr {
		r.Dapr[d.Binary] = registry + "/" + d.Name + ":" + r.DaprTag
	}
	for _, k := range keda {
		r.KEDA[k.Binary] = k.Repo + ":" + r.KEDATag
	}
	return r
}

// Build makes (or finds in the cache) every image and returns them sorted
// by reference.
func Build(ctx context.Context, o Options) ([]Image, error) {
	if o.RepoRoot == "" || o.CacheDir == "" {
		return nil, errors.New("kindimages: RepoRoot and CacheDir are required")
	}
	if o.Mirror == "" {
		o.Mirror = kindnode.DebianMirror()
	}
	if err := os.MkdirAll(o.CacheDir, 0o755); err != nil {
		return nil, err
	}
	s := kindnode.NewSteps(o.Log, "kind-images")
	p, err := ReadPins(o.RepoRoot)
	if err != nil {
		return nil, err
	}
	if err := p.sources(ctx, o.RepoRoot); err != nil {
		return nil, err
	}
	refs, dapr, keda, err := p.refs()
	if err != nil {
		return nil, err
	}
	goVer, err := kindnode.GoVersion(ctx)
	if err != nil {
		return nil, err
	}
	s.Logf("Dapr %s (%s/*:%s), KEDA %s, Redis %s and RabbitMQ %s from Debian %s (%s); cache %s",
		p.Dapr, refs.DaprRegistry, refs.DaprTag, p.KEDA, RedisVersion, RabbitMQVersion, kindnode.Suite, o.Mirror, o.CacheDir)

	b := &builder{o: o, s: s, goVer: goVer}
	// The two Go builds share the cores; mmdebstrap mostly waits on the
	// mirror and the disk, so the root filesystems run beside them.
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		errs    []error
		images  []Image
		certs   string
		daprBin string
		kedaBin string
		roots   = map[string]string{}
	)
	run := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	run(func() (err error) {
		if daprBin, err = b.daprBinaries(ctx, p, dapr); err != nil {
			return err
		}
		kedaBin, err = b.kedaBinaries(ctx, p, keda)
		return err
	})
	run(func() (err error) {
		// The CA bundle the binary images carry comes from the node's own
		// root filesystem (cached when the node image was built).
		if certs, err = kindnode.BuildRootfs(ctx, s, o.CacheDir, kindnode.NodeRootfs(o.Mirror)); err != nil {
			return err
		}
		for _, d := range debianImages {
			r, err := kindnode.BuildRootfs(ctx, s, o.CacheDir, d.rootfs(o.Mirror))
			if err != nil {
				return err
			}
			roots[d.name] = r
		}
		return nil
	})
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	daprImgs, err := b.binaryImages(ctx, "Dapr "+p.Dapr, daprBin, certs, daprSpecs(refs, dapr))
	if err != nil {
		return nil, err
	}
	kedaImgs, err := b.binaryImages(ctx, "KEDA "+p.KEDA, kedaBin, certs, kedaSpecs(refs, keda))
	if err != nil {
		return nil, err
	}
	images = append(daprImgs, kedaImgs...)
	for _, d := range debianImages {
		img, err := b.debianImage(ctx, d, roots[d.name])
		if err != nil {
			return nil, err
		}
		images = append(images, img)
	}
	sort.Slice(images, func(i, j int) bool { return images[i].Ref < images[j].Ref })
	return images, nil
}

// Loader is what LoadAll needs of a cluster (kindcluster.Cluster).
type Loader interface {
	LoadImageArchive(path string) error
}

// LoadAll imports the images into every node of the cluster (kind load
// image-archive), printing one line per image with its time.
func LoadAll(c Loader, images []Image, log io.Writer) error {
	if log == nil {
		log = io.Discard
	}
	for _, img := range images {
		start := time.Now()
		if err := c.LoadImageArchive(img.Archive); err != nil {
			return fmt.Errorf("load %s: %w", img.Ref, err)
		}
		fmt.Fprintf(log, "loaded %s into kind (%s)\n", img.Ref, time.Since(start).Round(100*time.Millisecond))
	}
	return nil
}

type builder struct {
	o     Options
	s     *kindnode.Steps
	goVer string
}

// goModuleKey is the key of a build module's inputs: its go.mod and
// go.sum (the pin and every dependency's hash) and the Go version.
func (b *builder) goModuleKey(mod string, extra ...string) (string, error) {
	files, err := kindnode.FileKey(filepath.Join(mod, "go.mod"), filepath.Join(mod, "go.sum"))
	if err != nil {
		return "", err
	}
	return kindnode.Key(append([]string{recipe, b.goVer, files}, extra...)...), nil
}

// daprBuildTags: the stable component set, as the local stack's daprd
// (infra/local/scripts/build-dapr.sh); allcomponents does not build on
// current Go.
const daprBuildTags = "stablecomponents"

// daprBinaries builds every binary the chart's images run into one cached
// directory.
func (b *builder) daprBinaries(ctx context.Context, p Pins, images []daprImage) (string, error) {
	mod := filepath.Join(BuildDir(b.o.RepoRoot), "dapr")
	var bins []string
	for _, d := range images {
		bins = append(bins, d.Binary)
	}
	k, err := b.goModuleKey(mod, daprBuildTags, strings.Join(bins, ","))
	if err != nil {
		return "", err
	}
	dir := filepath.Join(b.o.CacheDir, "dapr-"+p.Dapr+"-"+k)
	err = b.s.Cached("Dapr "+p.Dapr+" ("+strings.Join(bins, ", ")+")", dir, func(tmp string) error {
		v := "github.com/dapr/dapr/pkg/buildinfo"
		ldflags := fmt.Sprintf("-s -w -X %[1]s.version=%[2]s -X %[1]s.gitversion=%[3]s -X %[1]s.gitcommit=%[3]s",
			v, imageTag(p.Dapr), p.Dapr)
		args := []string{"build", "-tags", daprBuildTags, "-trimpath", "-ldflags", ldflags, "-o", tmp + "/"}
		for _, bin := range bins {
			args = append(args, "github.com/dapr/dapr/cmd/"+bin)
		}
		return kindnode.GoBuild(ctx, mod, args...)
	})
	return dir, err
}

// kedaBinaries builds KEDA's three binaries, named as its Makefile names
// them, with the version variables its Makefile sets.
func (b *builder) kedaBinaries(ctx context.Context, p Pins, images []kedaImage) (string, error) {
	mod := filepath.Join(BuildDir(b.o.RepoRoot), "keda")
	var names []string
	for _, k := range images {
		names = append(names, k.Binary+"="+k.Cmd)
	}
	k, err := b.goModuleKey(mod, names...)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(b.o.CacheDir, "keda-"+p.KEDA+"-"+k)
	err = b.s.Cached("KEDA "+p.KEDA+" (cmd/operator, cmd/adapter, cmd/webhooks)", dir, func(tmp string) error {
		v := "github.com/kedacore/keda/v2/version"
		ldflags := fmt.Sprintf("-s -w -X=%[1]s.Version=%[2]s -X=%[1]s.GitCommit=%[3]s", v, imageTag(p.KEDA), p.KEDA)
		// One go build for the three packages (they share most of their
		// dependencies), into a directory per package, then renamed.
		args := []string{"build", "-trimpath", "-ldflags", ldflags, "-o", tmp + "/"}
		for _, img := range images {
			args = append(args, "github.com/kedacore/keda/v2/cmd/"+img.Cmd)
		}
		if err := kindnode.GoBuild(ctx, mod, args...); err != nil {
			return err
		}
		for _, img := range images {
			if err := os.Rename(filepath.Join(tmp, img.Cmd), filepath.Join(tmp, img.Binary)); err != nil {
				return err
			}
		}
		return nil
	})
	return dir, err
}
