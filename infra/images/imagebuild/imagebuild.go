// Package imagebuild builds a service's container image the way ko does:
// a static Go binary as one layer on a static, non-root base, entrypoint
// /ko-app/<service>, user 65532. It needs no Docker daemon and, with the
// built-in base or a base in a reachable registry, no other network.
package imagebuild

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// NonRoot is the user every image runs as (distroless "nonroot").
const NonRoot = "65532:65532"

// BuiltinBase names the minimal base this package makes itself: only
// /etc/passwd and /etc/group with the nonroot user, and /tmp.
const BuiltinBase = "builtin"

// Options describe one image.
type Options struct {
	Service   string // e.g. producer; the binary is ./cmd/<Service>
	ModuleDir string // the service's module directory
	Base      string // BuiltinBase or an image reference
	Platform  v1.Platform
	Version   string // org.opencontainers.image.version
}

// Entrypoint is where the binary lives in the image.
func Entrypoint(service string) string { return "/ko-app/" + service }

// Build compiles the service and returns its image.
func Build(ctx context.Context, o Options) (v1.Image, error) {
	if o.Platform.OS == "" {
		o.Platform = v1.Platform{OS: "linux", Architecture: "amd64"}
	}
	base, err := Base(ctx, o.Base, o.Platform)
	if err != nil {
		return nil, err
	}
	bin, err := compile(ctx, o)
	if err != nil {
		return nil, err
	}
	defer os.Remove(bin)
	layer, err := binaryLayer(bin, Entrypoint(o.Service))
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg := cf.Config.DeepCopy()
	cfg.Entrypoint = []string{Entrypoint(o.Service)}
	cfg.Cmd = nil
	cfg.User = NonRoot
	cfg.WorkingDir = "/"
	cfg.Env = []string{"PATH=/ko-app:/usr/local/bin:/usr/bin:/bin"}
	cfg.Labels = map[string]string{
		"org.opencontainers.image.title":   "airdisplay-" + o.Service,
		"org.opencontainers.image.version": o.Version,
		"org.opencontainers.image.source":  "airdisplay/platform",
	}
	img, err = mutate.Config(img, *cfg)
	if err != nil {
		return nil, err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	cf2, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf2.OS, cf2.Architecture = o.Platform.OS, o.Platform.Architecture
	return mutate.ConfigFile(img, cf2)
}

// Base returns the base image: the built-in one, or ref from its registry.
func Base(ctx context.Context, ref string, p v1.Platform) (v1.Image, error) {
	if ref == "" || ref == BuiltinBase {
		return builtinBase()
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("base image %q: %w", ref, err)
	}
	img, err := remote.Image(r, remote.WithContext(ctx), remote.WithPlatform(p))
	if err != nil {
		return nil, fmt.Errorf("pull base image %s: %w", ref, err)
	}
	return img, nil
}

func builtinBase() (v1.Image, error) {
	files := []tarEntry{
		{name: "etc/", dir: true},
		{name: "etc/passwd", data: "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"},
		{name: "etc/group", data: "root:x:0:\nnonroot:x:65532:\n"},
		{name: "home/", dir: true},
		{name: "home/nonroot/", dir: true, uid: 65532},
		{name: "tmp/", dir: true, mode: 0o1777},
	}
	layer, err := tarLayer(files)
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
	if err != nil {
		return nil, err
	}
	return mutate.ConfigMediaType(img, types.OCIConfigJSON), nil
}

// compile builds a static binary of ./cmd/<service> with the module alone.
func compile(ctx context.Context, o Options) (string, error) {
	out, err := os.CreateTemp("", o.Service+"-*")
	if err != nil {
		return "", err
	}
	out.Close()
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out.Name(), "./cmd/"+o.Service)
	cmd.Dir = o.ModuleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOOS="+o.Platform.OS, "GOARCH="+o.Platform.Architecture)
	if msg, err := cmd.CombinedOutput(); err != nil {
		os.Remove(out.Name())
		return "", fmt.Errorf("go build %s: %v\n%s", o.Service, err, msg)
	}
	return out.Name(), nil
}

type tarEntry struct {
	name string
	data string
	dir  bool
	mode int64
	uid  int
}

func tarLayer(entries []tarEntry) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, ModTime: epoch, Uid: e.uid, Gid: e.uid, Mode: e.mode}
		if e.dir {
			h.Typeflag = tar.TypeDir
			if h.Mode == 0 {
				h.Mode = 0o755
			}
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.data))
			if h.Mode == 0 {
				h.Mode = 0o644
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if !e.dir {
			if _, err := tw.Write([]byte(e.data)); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil },
		tarball.WithMediaType(types.OCILayer))
}

func binaryLayer(bin, path string) (v1.Layer, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)[1:] + "/"
	return tarLayer([]tarEntry{
		{name: dir, dir: true},
		{name: path[1:], data: string(data), mode: 0o755},
	})
}

// WriteOCITarball writes img as an OCI image layout, tarred, tagged ref
// (org.opencontainers.image.ref.name and io.containerd.image.name), the
// archive `kind load image-archive` imports into a node's containerd.
func WriteOCITarball(path, ref string, img v1.Image) error {
	dir, err := os.MkdirTemp("", "oci-layout-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": ref,
		"io.containerd.image.name":          ref,
	})); err != nil {
		return err
	}
	return tarDir(dir, path)
}

func tarDir(dir, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(rel)
		if info.IsDir() {
			h.Name += "/"
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			src, err := os.Open(p)
			if err != nil {
				return err
			}
			defer src.Close()
			_, err = io.Copy(tw, src)
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}
