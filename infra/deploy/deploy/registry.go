package deploy

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// PushImages pushes every image tarball to the registry as
// <registry>/airdisplay/<service>:<tag>, with the credentials of the
// Docker keychain (`az acr login` fills it).
func (d *Deployer) PushImages(ctx context.Context, registry string) error {
	archives, err := d.imageArchives()
	if err != nil {
		return err
	}
	for i, a := range archives {
		ref, err := name.ParseReference(fmt.Sprintf("%s/airdisplay/%s:%s", registry, Services[i], d.cfg.ImageTag))
		if err != nil {
			return err
		}
		dir, err := os.MkdirTemp("", "oci-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if err := untar(a, dir); err != nil {
			return err
		}
		idx, err := layout.ImageIndexFromPath(dir)
		if err != nil {
			return fmt.Errorf("%s: %w", a, err)
		}
		m, err := idx.IndexManifest()
		if err != nil || len(m.Manifests) == 0 {
			return fmt.Errorf("%s holds no image", a)
		}
		img, err := idx.Image(m.Manifests[0].Digest)
		if err != nil {
			return err
		}
		if err := remote.Write(ref, img, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
			return fmt.Errorf("push %s (did `az acr login` run?): %w", ref, err)
		}
		fmt.Fprintf(d.cfg.Stdout, "pushed %s\n", ref)
	}
	return nil
}

func untar(path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		p := filepath.Join(dir, filepath.Clean("/"+h.Name))
		if h.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		out, err := os.Create(p)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, tr)
		out.Close()
		if err != nil {
			return err
		}
	}
}
