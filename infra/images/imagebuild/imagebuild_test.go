package imagebuild

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// The base comes from a registry, as it would in real use: an in-process
// registry serves it, so the test needs no network.
func pushBase(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New())
	t.Cleanup(srv.Close)
	base, err := builtinBase()
	if err != nil {
		t.Fatal(err)
	}
	ref := strings.TrimPrefix(srv.URL, "http://") + "/distroless/static:nonroot"
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, base); err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestEveryServiceImageRunsItsBinaryAsNonRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("running the image's binary as uid 65532 in a chroot needs root; CI runs as root")
	}
	base := pushBase(t)
	for _, svc := range []string{"producer", "consumer", "banner-actor"} {
		t.Run(svc, func(t *testing.T) {
			img, err := Build(context.Background(), Options{
				Service: svc, ModuleDir: filepath.Join("..", "..", "..", "services", svc), Base: base, Version: "test",
			})
			if err != nil {
				t.Fatal(err)
			}
			tarPath := filepath.Join(t.TempDir(), svc+".tar")
			if err := WriteOCITarball(tarPath, "airdisplay/"+svc+":test", img); err != nil {
				t.Fatal(err)
			}
			img = readBack(t, tarPath)
			cf, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if cf.Config.User != NonRoot {
				t.Errorf("user %q, want %s", cf.Config.User, NonRoot)
			}
			if got := cf.Config.Entrypoint; len(got) != 1 || got[0] != "/ko-app/"+svc {
				t.Errorf("entrypoint %v", got)
			}
			if cf.OS != "linux" || cf.Architecture != "amd64" {
				t.Errorf("platform %s/%s", cf.OS, cf.Architecture)
			}
			root := extract(t, img)
			if _, err := os.Stat(filepath.Join(root, "etc/passwd")); err != nil {
				t.Errorf("base layer missing: %v", err)
			}
			// Run the entrypoint inside the image's filesystem as the image's
			// user. A bad setting makes a service exit at once, naming it.
			cmd := exec.Command(cf.Config.Entrypoint[0])
			cmd.Env = []string{"APP_PORT=not-a-port"}
			cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: 65532, Gid: 65532}}
			cmd.Dir = "/"
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), `APP_PORT="not-a-port"`) {
				t.Fatalf("running %s as 65532: err %v, output %q", svc, err, out)
			}
		})
	}
}

func readBack(t *testing.T, tarPath string) v1.Image {
	t.Helper()
	dir := t.TempDir()
	f, err := os.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, h.Name)
		if h.Typeflag == tar.TypeDir {
			os.MkdirAll(p, 0o755)
			continue
		}
		os.MkdirAll(filepath.Dir(p), 0o755)
		out, _ := os.Create(p)
		io.Copy(out, tr)
		out.Close()
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil || len(m.Manifests) != 1 {
		t.Fatalf("index: %v %v", m, err)
	}
	if m.Manifests[0].Annotations["org.opencontainers.image.ref.name"] == "" {
		t.Error("image not tagged in the layout")
	}
	img, err := idx.Image(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func extract(t *testing.T, img v1.Image) string {
	t.Helper()
	root := t.TempDir()
	os.Chmod(root, 0o755)
	tr := tar.NewReader(mutate.Extract(img))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return root
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, h.Name)
		switch h.Typeflag {
		case tar.TypeDir:
			os.MkdirAll(p, os.FileMode(h.Mode)&os.ModePerm)
		case tar.TypeReg:
			os.MkdirAll(filepath.Dir(p), 0o755)
			out, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, os.FileMode(h.Mode)&os.ModePerm)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(out, tr)
			out.Close()
		}
	}
}
