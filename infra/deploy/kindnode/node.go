package kindnode

import (
	"archive/tar"
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// node assembles the node's root filesystem: the Debian rootfs with kind's
// base-image changes, the Kubernetes node binaries and the images.
func (b *builder) node(_ context.Context, p Pins, k8sDir, rootfs string, images map[string]string) (Image, error) {
	overlay, err := b.overlay(p, k8sDir, images)
	if err != nil {
		return Image{}, err
	}
	var parts []string
	for _, name := range sortedKeys(overlay) {
		f := overlay[name]
		parts = append(parts, name, fmt.Sprint(f.hdr.Mode), f.hdr.Linkname, Key(string(f.data)))
	}
	k := Key(append([]string{nodeRecipe, rootfs, p.Kind}, parts...)...)
	img := Image{
		Ref:        fmt.Sprintf("%s:%s-%s", Repository, p.Kubernetes, k[:12]),
		Kubernetes: p.Kubernetes,
		Kubectl:    filepath.Join(k8sDir, "kubectl"),
	}
	dir := filepath.Join(b.o.CacheDir, "node-"+p.Kubernetes+"-"+k)
	img.Archive = filepath.Join(dir, "node.tar")
	err = b.Cached("node root filesystem", dir, func(tmp string) error {
		return writeNode(filepath.Join(tmp, "node.tar"), rootfs, overlay)
	})
	return img, err
}

// overlay is every file the node gets on top of (or instead of) Debian's.
func (b *builder) overlay(p Pins, k8sDir string, images map[string]string) (map[string]tarFile, error) {
	files := map[string]tarFile{}
	add := func(name string, mode int64, data []byte) {
		files[name] = tarFile{hdr: tar.Header{Name: name, Mode: mode, Typeflag: tar.TypeReg}, data: data}
	}
	link := func(name, target string) {
		files[name] = tarFile{hdr: tar.Header{Name: name, Mode: 0o777, Typeflag: tar.TypeSymlink, Linkname: target}}
	}

	// kind's base image files (images/base/files in sigs.k8s.io/kind).
	base := filepath.Join(p.kindDir, "images", "base", "files")
	err := filepath.WalkDir(base, func(f string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := "/" + filepath.ToSlash(strings.TrimPrefix(f, base+"/"))
		if strings.HasPrefix(rel, "/LICENSES/") || rel == "/usr/local/bin/clean-install" {
			return nil
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		mode := int64(0o644)
		if strings.HasPrefix(rel, "/usr/local/bin/") || strings.HasPrefix(rel, "/kind/bin/") {
			mode = 0o755
		}
		switch rel {
		case "/etc/systemd/system/containerd.service":
			// Debian's containerd, not kind's own build of it.
			data = []byte(strings.ReplaceAll(string(data), "/usr/local/bin/containerd", "/usr/bin/containerd"))
		case "/etc/containerd/config.toml":
			data = []byte(containerdConfig(string(data), p.Pause))
		}
		add(rel, mode, data)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kind %s base files: %w", p.Kind, err)
	}

	// The project's additions (infra/kind/node): entrypoint wrapper, image
	// preload, static CNI, storage class, containerd's base OCI spec.
	own := NodeFilesDir(b.o.RepoRoot)
	err = filepath.WalkDir(own, func(f string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		mode := int64(0o644)
		if st.Mode()&0o111 != 0 {
			mode = 0o755
		}
		add("/"+filepath.ToSlash(strings.TrimPrefix(f, own+"/")), mode, data)
		return nil
	})
	if err != nil {
		return nil, err
	}

	for _, bin := range []string{"kubeadm", "kubelet", "kubectl"} {
		data, err := os.ReadFile(filepath.Join(k8sDir, bin))
		if err != nil {
			return nil, err
		}
		add("/usr/bin/"+bin, 0o755, data)
	}
	add("/kind/version", 0o644, []byte(p.Kubernetes))
	for _, ref := range sortedKeys(images) {
		data, err := os.ReadFile(images[ref])
		if err != nil {
			return nil, err
		}
		add("/kind/images/"+filepath.Base(images[ref]), 0o644, data)
	}
	// What kind's Dockerfile does with systemctl enable / mask.
	for _, unit := range []string{"kubelet", "containerd", "undo-mount-hacks", "airdisplay-preload-images"} {
		link("/etc/systemd/system/multi-user.target.wants/"+unit+".service", "/etc/systemd/system/"+unit+".service")
	}
	link("/etc/systemd/system/systemd-binfmt.service", "/dev/null")

	// Parent directories of everything above, and the ones kubeadm expects.
	for name := range files {
		for d := path.Dir(name); d != "/"; d = path.Dir(d) {
			files[d+"/"] = tarFile{hdr: tar.Header{Name: d + "/", Mode: 0o755, Typeflag: tar.TypeDir}}
		}
	}
	files["/etc/kubernetes/manifests/"] = tarFile{hdr: tar.Header{Name: "/etc/kubernetes/manifests/", Mode: 0o755, Typeflag: tar.TypeDir}}
	return files, nil
}

// containerdConfig adapts kind's containerd config to this node: its own
// pause image, and the CNI plugins where Debian installs them.
func containerdConfig(cfg, pause string) string {
	var out strings.Builder
	s := bufio.NewScanner(strings.NewReader(cfg))
	for s.Scan() {
		line := s.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "sandbox_image =") {
			line = fmt.Sprintf("  sandbox_image = \"registry.k8s.io/pause:%s\"", pause)
		}
		out.WriteString(line + "\n")
	}
	out.WriteString(`
# airdisplay: Debian's containernetworking-plugins live in /usr/lib/cni.
[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "/etc/cni/net.d"
`)
	return out.String()
}

// removed reports the Debian files kind's Dockerfile deletes: systemd
// units that must not start in a node container.
func removed(name string) bool {
	n := strings.TrimPrefix(name, "usr/")
	dir, base := path.Split(n)
	switch dir {
	case "lib/systemd/system/multi-user.target.wants/", "lib/systemd/system/local-fs.target.wants/",
		"lib/systemd/system/basic.target.wants/":
		return true
	case "lib/systemd/system/sysinit.target.wants/":
		return base == "systemd-tmpfiles-setup.service"
	case "lib/systemd/system/sockets.target.wants/":
		return strings.Contains(base, "udev") || strings.Contains(base, "initctl")
	}
	return strings.HasPrefix(dir, "etc/systemd/system/") && strings.HasSuffix(strings.TrimSuffix(dir, "/"), ".wants") && base != ""
}

// writeNode streams the rootfs into dst, minus what kind removes and what
// the overlay replaces, then the overlay.
func writeNode(dst, rootfs string, overlay map[string]tarFile) error {
	in, err := os.Open(rootfs)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer out.Close()
	bw := bufio.NewWriterSize(out, 1<<20)
	tw := tar.NewWriter(bw)
	tr := tar.NewReader(in)
	have := map[string]bool{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(strings.TrimPrefix(h.Name, "./"), "/")
		clean := strings.TrimSuffix(name, "/")
		if clean == "" || clean == "." {
			continue
		}
		if removed(clean) {
			continue
		}
		if f, ok := overlay["/"+clean]; ok && f.hdr.Typeflag != tar.TypeDir {
			continue
		}
		if _, ok := overlay["/"+clean+"/"]; ok && h.Typeflag == tar.TypeDir {
			have["/"+clean+"/"] = true // keep Debian's directory (owner, mode)
		}
		hdr := *h
		hdr.Name = name
		if clean == "etc/systemd/journald.conf" {
			data, err := io.ReadAll(tr)
			if err != nil {
				return err
			}
			data = append(data, []byte("ReadKMsg=no\n")...)
			hdr.Size = int64(len(data))
			if err := tw.WriteHeader(&hdr); err != nil {
				return err
			}
			if _, err := tw.Write(data); err != nil {
				return err
			}
			continue
		}
		if err := tw.WriteHeader(&hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(overlay) {
		if have[name] {
			continue
		}
		if err := writeEntry(tw, overlay[name]); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return out.Close()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Import makes img available to the Docker engine env points at, unless it
// already is: `docker import` of the archive with kind's entrypoint and the
// `container` variable systemd checks. (kind's STOPSIGNAL cannot be set by
// `docker import`; kind removes nodes with `docker rm -f`, which needs none.)
func Import(ctx context.Context, img Image, env []string, log io.Writer) error {
	inspect := exec.CommandContext(ctx, "docker", "image", "inspect", "--format", "{{.Id}}", img.Ref)
	inspect.Env = append(os.Environ(), env...)
	if inspect.Run() == nil {
		fmt.Fprintf(log, "kind-image: %s is in the engine\n", img.Ref)
		return nil
	}
	cmd := exec.CommandContext(ctx, "docker", "import",
		"--change", `ENTRYPOINT ["/kind/bin/airdisplay-entrypoint", "/sbin/init"]`,
		"--change", "ENV container=docker",
		img.Archive, img.Ref)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("docker import %s: %v: %s", img.Ref, err, out)
	}
	fmt.Fprintf(log, "kind-image: imported %s\n", img.Ref)
	return nil
}
