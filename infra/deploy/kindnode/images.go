package kindnode

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// epoch is the modification time of every file this package writes, so
// the same inputs give the same bytes.
var epoch = time.Unix(0, 0).UTC()

// imageSpec is one control-plane image: a static binary, and for
// kube-proxy the iptables tools it runs.
type imageSpec struct {
	binary     string   // host path
	dest       string   // path in the image
	entrypoint []string // nil: the binary
	iptables   bool
}

// images writes every image kubeadm asks for as a docker-archive tarball
// (what `ctr images import` reads) and returns ref → archive.
func (b *builder) images(ctx context.Context, p Pins, k8sDir, etcd, coredns, pause, rootfs string) (map[string]string, error) {
	out, err := exec.CommandContext(ctx, filepath.Join(k8sDir, "kubeadm"), "config", "images", "list",
		"--kubernetes-version", p.Kubernetes).Output()
	if err != nil {
		return nil, fmt.Errorf("kubeadm config images list: %w", err)
	}
	refs := strings.Fields(string(out))
	specs := map[string]imageSpec{}
	for _, ref := range refs {
		repo := ref[:strings.LastIndex(ref, ":")]
		switch base := path.Base(repo); base {
		case "kube-apiserver", "kube-controller-manager", "kube-scheduler":
			specs[ref] = imageSpec{binary: filepath.Join(k8sDir, base), dest: "/usr/local/bin/" + base}
		case "kube-proxy":
			specs[ref] = imageSpec{binary: filepath.Join(k8sDir, base), dest: "/usr/local/bin/" + base, iptables: true}
		case "etcd":
			specs[ref] = imageSpec{binary: etcd, dest: "/usr/local/bin/etcd"}
		case "coredns":
			specs[ref] = imageSpec{binary: coredns, dest: "/coredns"}
		case "pause":
			specs[ref] = imageSpec{binary: pause, dest: "/pause"}
		default:
			return nil, fmt.Errorf("kubeadm %s wants image %s, which this builder does not make", p.Kubernetes, ref)
		}
	}
	var parts []string
	for _, ref := range refs {
		s := specs[ref]
		k, err := FileKey(s.binary)
		if err != nil {
			return nil, err
		}
		parts = append(parts, ref, k, fmt.Sprint(s.iptables))
	}
	dir := filepath.Join(b.o.CacheDir, "images-"+p.Kubernetes+"-"+Key(append([]string{imagesRecipe, rootfs}, parts...)...))
	archives := map[string]string{}
	for _, ref := range refs {
		archives[ref] = filepath.Join(dir, archiveName(ref))
	}
	err = b.Cached("control-plane images ("+strings.Join(refs, ", ")+")", dir, func(tmp string) error {
		var iptables []tarFile
		for _, ref := range refs {
			s := specs[ref]
			if s.iptables && iptables == nil {
				if iptables, err = packageFiles(rootfs, "iptables", "conntrack"); err != nil {
					return fmt.Errorf("iptables for kube-proxy: %w", err)
				}
			}
			if err := writeImage(filepath.Join(tmp, archiveName(ref)), ref, s, iptables); err != nil {
				return fmt.Errorf("%s: %w", ref, err)
			}
		}
		return nil
	})
	return archives, err
}

func archiveName(ref string) string {
	return strings.NewReplacer("/", "_", ":", "_").Replace(ref) + ".tar"
}

// writeImage writes one image as a docker-archive tarball.
func writeImage(dst, ref string, s imageSpec, iptables []tarFile) error {
	bin, err := os.ReadFile(s.binary)
	if err != nil {
		return err
	}
	files := []tarFile{{hdr: tar.Header{Name: s.dest, Mode: 0o755, Typeflag: tar.TypeReg}, data: bin}}
	if s.iptables {
		files = append(iptables, files...)
	}
	files = append(files, tarFile{hdr: tar.Header{Name: "/tmp/", Mode: 0o1777, Typeflag: tar.TypeDir}})
	layerBytes, err := tarBytes(files)
	if err != nil {
		return err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerBytes)), nil
	})
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", runtime.GOARCH
	cfg.Created = v1.Time{Time: epoch}
	cfg.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	cfg.Config.Entrypoint = s.entrypoint
	if cfg.Config.Entrypoint == nil {
		cfg.Config.Entrypoint = []string{s.dest}
	}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return err
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		return err
	}
	return tarball.WriteToFile(dst, tag, img)
}

// tarFile is one entry of a tar this package writes.
type tarFile struct {
	hdr  tar.Header
	data []byte
}

func tarBytes(files []tarFile) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := writeEntry(tw, f); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeEntry(tw *tar.Writer, f tarFile) error {
	h := f.hdr
	h.Name = strings.TrimPrefix(h.Name, "/")
	if h.ModTime.IsZero() {
		h.ModTime = epoch
	}
	if h.Typeflag == tar.TypeReg {
		h.Size = int64(len(f.data))
	}
	h.Format = tar.FormatPAX
	if err := tw.WriteHeader(&h); err != nil {
		return err
	}
	if h.Typeflag == tar.TypeReg {
		_, err := tw.Write(f.data)
		return err
	}
	return nil
}

// packageFiles returns the files of the named Debian packages and of every
// package they depend on, read from a root filesystem tarball (dpkg's
// status and file lists), with the alternatives links so `iptables`
// resolves as it does in the node.
func packageFiles(rootfs string, roots ...string) ([]tarFile, error) {
	status, lists, err := dpkgData(rootfs)
	if err != nil {
		return nil, err
	}
	deps := parseDepends(status)
	want := map[string]bool{}
	var visit func(string)
	visit = func(pkg string) {
		if want[pkg] {
			return
		}
		if _, ok := lists[pkg]; !ok {
			return // virtual or not installed
		}
		want[pkg] = true
		for _, d := range deps[pkg] {
			visit(d)
		}
	}
	for _, r := range roots {
		visit(r)
	}
	paths := map[string]bool{}
	for pkg := range want {
		for _, p := range strings.Split(lists[pkg], "\n") {
			if p != "" && p != "/." {
				paths[strings.TrimPrefix(p, "/")] = true
			}
		}
	}
	f, err := os.Open(rootfs)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []tarFile
	tr := tar.NewReader(f)
	merged := map[string]string{} // bin → usr/bin on a merged-/usr system
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		name := strings.TrimPrefix(strings.TrimPrefix(h.Name, "./"), "/")
		name = strings.TrimSuffix(name, "/")
		if h.Typeflag == tar.TypeSymlink && !strings.Contains(name, "/") {
			merged[name] = h.Linkname
		}
		// update-alternatives makes /usr/sbin/iptables → /etc/alternatives/
		// iptables → the chosen backend; no package lists those links.
		keep := paths[name] || strings.HasPrefix(name, "etc/alternatives/") ||
			(h.Typeflag == tar.TypeSymlink && strings.HasPrefix(h.Linkname, "/etc/alternatives/"))
		if !keep {
			// A package lists /lib/x/y; on merged /usr the tar holds usr/lib/x/y.
			for top, target := range merged {
				if rest, ok := strings.CutPrefix(name, strings.TrimPrefix(target, "/")+"/"); ok && paths[top+"/"+rest] {
					keep = true
				}
			}
		}
		if !keep && !(h.Typeflag == tar.TypeSymlink && merged[name] != "") {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		hdr := *h
		hdr.Name = name
		if h.Typeflag == tar.TypeDir {
			hdr.Name += "/"
		}
		out = append(out, tarFile{hdr: hdr, data: data})
	}
	return out, nil
}

// dpkgData reads dpkg's status file and each package's file list.
func dpkgData(rootfs string) (string, map[string]string, error) {
	f, err := os.Open(rootfs)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	var status string
	lists := map[string]string{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", nil, err
		}
		name := strings.TrimPrefix(h.Name, "./")
		switch {
		case name == "var/lib/dpkg/status":
			raw, err := io.ReadAll(tr)
			if err != nil {
				return "", nil, err
			}
			status = string(raw)
		case strings.HasPrefix(name, "var/lib/dpkg/info/") && strings.HasSuffix(name, ".list"):
			raw, err := io.ReadAll(tr)
			if err != nil {
				return "", nil, err
			}
			pkg := strings.TrimSuffix(path.Base(name), ".list")
			pkg, _, _ = strings.Cut(pkg, ":") // libc6:amd64
			lists[pkg] = string(raw)
		}
	}
	if status == "" {
		return "", nil, fmt.Errorf("%s has no var/lib/dpkg/status", rootfs)
	}
	return status, lists, nil
}

// parseDepends maps each package of a dpkg status file to what it
// Depends and Pre-Depends on (names only).
func parseDepends(status string) map[string][]string {
	deps := map[string][]string{}
	var pkg string
	s := bufio.NewScanner(strings.NewReader(status))
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		line := s.Text()
		if v, ok := strings.CutPrefix(line, "Package: "); ok {
			pkg = v
			continue
		}
		v, ok := strings.CutPrefix(line, "Depends: ")
		if !ok {
			v, ok = strings.CutPrefix(line, "Pre-Depends: ")
		}
		if !ok {
			continue
		}
		for _, alt := range strings.Split(v, ",") {
			for _, d := range strings.Split(alt, "|") {
				d = strings.TrimSpace(d)
				d, _, _ = strings.Cut(d, " ")
				d, _, _ = strings.Cut(d, ":")
				if d != "" && !slices.Contains(deps[pkg], d) {
					deps[pkg] = append(deps[pkg], d)
				}
			}
		}
	}
	return deps
}
