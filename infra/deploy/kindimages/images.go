package kindimages

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/airdisplay/platform/infra/deploy/kindnode"
)

// epoch is the time of every file and image this package writes.
var epoch = time.Unix(0, 0).UTC()

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// binarySpec is an image of one static binary, laid out like upstream's
// distroless image: /<binary>, a nonroot user, the CA bundle, /tmp.
type binarySpec struct {
	Ref        string
	Binary     string // file in the binaries directory, and /<Binary> in the image
	Entrypoint []string
	Cmd        []string
}

// daprSpecs: Dapr's images have no entrypoint (upstream's Dockerfile sets
// none): the chart's templates give command ["/operator"], …, and the
// injector starts the sidecar with args ["/daprd", …].
func daprSpecs(r Refs, images []daprImage) []binarySpec {
	var out []binarySpec
	for _, d := range images {
		out = append(out, binarySpec{Ref: r.Dapr[d.Binary], Binary: d.Binary, Cmd: []string{"/" + d.Binary}})
	}
	return out
}

// kedaEntrypointArgs are the flags of upstream's Dockerfile entrypoints
// (the release manifests set command and args themselves).
var kedaEntrypointArgs = map[string][]string{
	"keda":                    {"--zap-log-level=info", "--zap-encoder=console"},
	"keda-adapter":            {"--secure-port=6443", "--zap-log-level=info", "--zap-encoder=console"},
	"keda-admission-webhooks": {"--zap-log-level=info", "--zap-encoder=console"},
}

func kedaSpecs(r Refs, images []kedaImage) []binarySpec {
	var out []binarySpec
	for _, k := range images {
		out = append(out, binarySpec{Ref: r.KEDA[k.Binary], Binary: k.Binary,
			Entrypoint: append([]string{"/" + k.Binary}, kedaEntrypointArgs[k.Binary]...)})
	}
	return out
}

// binaryImages writes one docker-archive per spec into a directory keyed
// by the binaries directory (itself keyed by the pins) and the specs.
func (b *builder) binaryImages(_ context.Context, label, binDir, rootfs string, specs []binarySpec) ([]Image, error) {
	parts := []string{recipe, "binary-image/1", filepath.Base(binDir), filepath.Base(filepath.Dir(rootfs))}
	var refs []string
	for _, s := range specs {
		parts = append(parts, fmt.Sprintf("%+v", s))
		refs = append(refs, s.Ref)
	}
	dir := filepath.Join(b.o.CacheDir, "images-"+slug(label)+"-"+kindnode.Key(parts...))
	var out []Image
	for _, s := range specs {
		out = append(out, Image{Ref: s.Ref, Archive: filepath.Join(dir, archiveName(s.Ref))})
	}
	err := b.s.Cached(label+" images ("+strings.Join(refs, ", ")+")", dir, func(tmp string) error {
		certs, err := rootfsFile(rootfs, "etc/ssl/certs/ca-certificates.crt")
		if err != nil {
			return fmt.Errorf("CA bundle: %w", err)
		}
		for _, s := range specs {
			bin, err := os.ReadFile(filepath.Join(binDir, s.Binary))
			if err != nil {
				return err
			}
			files := append(nonrootBase(certs), tarFile{hdr: tar.Header{Name: s.Binary, Mode: 0o755, Typeflag: tar.TypeReg}, data: bin})
			layer, err := tarBytes(files)
			if err != nil {
				return err
			}
			cfg := v1.Config{
				Env:        []string{defaultPath, "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"},
				Entrypoint: s.Entrypoint, Cmd: s.Cmd,
				User:       fmt.Sprintf("%d:%d", NonrootUID, NonrootUID),
				WorkingDir: "/",
			}
			if err := writeImage(filepath.Join(tmp, archiveName(s.Ref)), s.Ref, layer, "", cfg); err != nil {
				return fmt.Errorf("%s: %w", s.Ref, err)
			}
		}
		return nil
	})
	return out, err
}

// nonrootBase is what gcr.io/distroless/static:nonroot gives a binary:
// root and nonroot users, the CA bundle, /tmp, the nonroot home.
func nonrootBase(certs []byte) []tarFile {
	dir := func(name string, mode int64, uid int) tarFile {
		return tarFile{hdr: tar.Header{Name: name + "/", Mode: mode, Uid: uid, Gid: uid, Typeflag: tar.TypeDir}}
	}
	file := func(name string, data string) tarFile {
		return tarFile{hdr: tar.Header{Name: name, Mode: 0o644, Typeflag: tar.TypeReg}, data: []byte(data)}
	}
	return []tarFile{
		dir("etc", 0o755, 0),
		file("etc/passwd", fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", NonrootUID, NonrootUID)),
		file("etc/group", fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", NonrootUID)),
		dir("etc/ssl", 0o755, 0), dir("etc/ssl/certs", 0o755, 0),
		{hdr: tar.Header{Name: "etc/ssl/certs/ca-certificates.crt", Mode: 0o644, Typeflag: tar.TypeReg}, data: certs},
		dir("home", 0o755, 0), dir("home/nonroot", 0o700, NonrootUID),
		dir("tmp", 0o1777, 0),
	}
}

// debianImage is an image made of a whole minimal Debian root filesystem
// with one server package, run as a fixed non-root user.
type debianImage struct {
	name    string // cache and rootfs name
	ref     string
	pkg     string // the Debian package
	version string // its upstream version, which the tag carries
	uid     int
	user    string
	home    string
	// dirs are made (or re-owned) for the user.
	dirs  []string
	files map[string]string // path → content (scripts are made executable)
	// drop are files of the root filesystem the image leaves out.
	drop []string
	cfg  v1.Config
}

// debianImages are Redis and RabbitMQ.
var debianImages = []debianImage{
	{
		name: "redis", ref: RedisImage, pkg: "redis-server", version: RedisVersion,
		uid: RedisUID, user: "redis", home: "/var/lib/redis",
		dirs:  []string{"/data", "/var/lib/redis", "/var/log/redis", "/run/redis"},
		files: map[string]string{"/usr/local/bin/airdisplay-redis": redisEntrypoint},
		cfg: v1.Config{
			Entrypoint:   []string{"/usr/local/bin/airdisplay-redis"},
			Cmd:          []string{"redis-server", "--dir", "/data"},
			WorkingDir:   "/data",
			Env:          []string{defaultPath, "HOME=/var/lib/redis"},
			ExposedPorts: map[string]struct{}{"6379/tcp": {}},
		},
	},
	{
		name: "rabbitmq", ref: RabbitMQImage, pkg: "rabbitmq-server", version: RabbitMQVersion,
		uid: RabbitMQUID, user: "rabbitmq", home: "/var/lib/rabbitmq",
		dirs: []string{"/var/lib/rabbitmq", "/var/log/rabbitmq", "/etc/rabbitmq"},
		files: map[string]string{
			"/usr/local/bin/airdisplay-rabbitmq": rabbitmqEntrypoint,
			"/etc/rabbitmq/enabled_plugins":      "[rabbitmq_management,rabbitmq_prometheus].\n",
		},
		// The postinst made an Erlang cookie; each broker makes its own at
		// first start instead of sharing the image's.
		drop: []string{"/var/lib/rabbitmq/.erlang.cookie"},
		cfg: v1.Config{
			Entrypoint: []string{"/usr/local/bin/airdisplay-rabbitmq"},
			Cmd:        []string{"rabbitmq-server"},
			WorkingDir: "/var/lib/rabbitmq",
			Env: []string{
				// The real scripts first: Debian's /usr/sbin wrappers su to the
				// rabbitmq user, which a non-root container cannot do.
				"PATH=/usr/lib/rabbitmq/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"HOME=/var/lib/rabbitmq",
				"RABBITMQ_LOGS=-",
				"LANG=C.UTF-8", "LC_ALL=C.UTF-8",
			},
			ExposedPorts: map[string]struct{}{"5672/tcp": {}, "15672/tcp": {}},
		},
	},
}

// redisEntrypoint starts Redis as the official image does: options alone
// run redis-server, and protected mode is off (the Service is reached only
// inside the cluster, with no password, as in the local stack).
const redisEntrypoint = `#!/bin/sh
set -e
case "$1" in -*|"") set -- redis-server "$@" ;; esac
if [ "$1" = redis-server ]; then set -- "$@" --protected-mode no; fi
exec "$@"
`

// rabbitmqEntrypoint turns RABBITMQ_DEFAULT_USER/RABBITMQ_DEFAULT_PASS
// (what the official image reads) into a configuration file under the
// data directory, then runs the server as this (non-root) user.
const rabbitmqEntrypoint = `#!/bin/sh
set -e
if [ -n "$RABBITMQ_DEFAULT_USER" ] && [ -z "$RABBITMQ_CONFIG_FILE" ]; then
  conf="$HOME/airdisplay.conf"
  umask 077
  {
    echo "default_user = $RABBITMQ_DEFAULT_USER"
    echo "default_pass = $RABBITMQ_DEFAULT_PASS"
    echo "listeners.tcp.default = 5672"
    echo "management.tcp.port = 15672"
  } > "$conf"
  export RABBITMQ_CONFIG_FILE="$conf"
fi
exec "$@"
`

// rootfs is the mmdebstrap recipe of the image's root filesystem: minbase
// and the package, with the user made before any package so the package's
// postinst finds it and keeps its number. (Documentation is left out when
// the layer is written: mmdebstrap's own path filter runs a Python helper
// per package, minutes on a busy machine.)
func (d debianImage) rootfs(mirror string) kindnode.Rootfs {
	return kindnode.Rootfs{
		Name: "rootfs-" + d.name, Recipe: recipe, Suite: kindnode.Suite, Mirror: mirror,
		Packages: []string{d.pkg},
		Options: []string{
			fmt.Sprintf(`--essential-hook=echo '%[1]s:x:%[2]d:%[2]d::%[3]s:/usr/sbin/nologin' >> "$1/etc/passwd"; echo '%[1]s:x:%[2]d:' >> "$1/etc/group"`,
				d.user, d.uid, d.home),
		},
	}
}

// debianImage writes the image of a root filesystem, after checking the
// package's version is the one its tag names.
func (b *builder) debianImage(_ context.Context, d debianImage, rootfs string) (Image, error) {
	parts := []string{recipe, "debian-image/1", filepath.Base(filepath.Dir(rootfs)), fmt.Sprintf("%+v", d)}
	dir := filepath.Join(b.o.CacheDir, "image-"+d.name+"-"+kindnode.Key(parts...))
	img := Image{Ref: d.ref, Archive: filepath.Join(dir, archiveName(d.ref))}
	err := b.s.Cached(d.ref+" (Debian "+d.pkg+")", dir, func(tmp string) error {
		status, err := rootfsFile(rootfs, "var/lib/dpkg/status")
		if err != nil {
			return err
		}
		v, err := installedVersion(string(status), d.pkg)
		if err != nil {
			return err
		}
		if upstreamVersion(v) != d.version {
			return fmt.Errorf("%s in Debian %s is %s, but the image is tagged %s: update the version in kindimages", d.pkg, kindnode.Suite, v, d.version)
		}
		layer := filepath.Join(tmp, "layer.tar")
		if err := writeRootfsLayer(layer, rootfs, d); err != nil {
			return err
		}
		cfg := d.cfg
		cfg.User = fmt.Sprintf("%d:%d", d.uid, d.uid)
		cfg.Labels = map[string]string{"org.opencontainers.image.version": v, "org.opencontainers.image.source": "debian " + kindnode.Suite + " " + d.pkg}
		if err := writeImage(filepath.Join(tmp, archiveName(d.ref)), d.ref, nil, layer, cfg); err != nil {
			return err
		}
		return os.Remove(layer)
	})
	return img, err
}

// writeRootfsLayer copies the root filesystem tarball into a layer: no
// device nodes (the runtime makes /dev), the image's users owning their
// directories, its own files added.
func writeRootfsLayer(dst, rootfs string, d debianImage) error {
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
	owned := map[string]bool{}
	for _, dir := range d.dirs {
		owned[strings.TrimPrefix(dir, "/")] = true
	}
	seen := map[string]bool{}
	tr := tar.NewReader(in)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(h.Name, "./"), "/"), "/")
		if name == "" || name == "." || strings.HasPrefix(name, "dev/") || h.Typeflag == tar.TypeChar || h.Typeflag == tar.TypeBlock || h.Typeflag == tar.TypeFifo {
			continue
		}
		if leftOut(name) {
			continue
		}
		if _, ok := d.files["/"+name]; ok || slices.Contains(d.drop, "/"+name) {
			continue // replaced below, or left out
		}
		hdr := *h
		hdr.Name = name
		if h.Typeflag == tar.TypeDir {
			hdr.Name += "/"
			if owned[name] {
				hdr.Uid, hdr.Gid, hdr.Mode = d.uid, d.uid, 0o755
				hdr.Uname, hdr.Gname = "", ""
				seen[name] = true
			}
		}
		if h.Typeflag == tar.TypeLink {
			hdr.Linkname = strings.TrimPrefix(strings.TrimPrefix(h.Linkname, "./"), "/")
		}
		hdr.Format = tar.FormatPAX
		if err := tw.WriteHeader(&hdr); err != nil {
			return err
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := io.Copy(tw, tr); err != nil {
				return err
			}
		}
	}
	for _, dir := range d.dirs {
		name := strings.TrimPrefix(dir, "/")
		if seen[name] {
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Name: name + "/", Mode: 0o755, Uid: d.uid, Gid: d.uid, Typeflag: tar.TypeDir, ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return err
		}
	}
	for _, f := range sortedKeys(d.files) {
		mode := int64(0o644)
		if strings.HasPrefix(d.files[f], "#!") {
			mode = 0o755
		}
		data := d.files[f]
		if err := tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(f, "/"), Mode: mode, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return err
		}
		if _, err := io.WriteString(tw, data); err != nil {
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

// leftOut: documentation, manual pages and translations, which no server
// here reads.
func leftOut(name string) bool {
	for _, dir := range []string{"usr/share/doc/", "usr/share/man/", "usr/share/info/", "usr/share/locale/", "usr/share/lintian/"} {
		if strings.HasPrefix(name, dir) {
			return true
		}
	}
	return false
}

// writeImage writes a one-layer image as a docker-archive tarball; the
// layer is layerBytes, or the tar file layerFile.
func writeImage(dst, ref string, layerBytes []byte, layerFile string, c v1.Config) error {
	var layer v1.Layer
	var err error
	if layerFile != "" {
		layer, err = tarball.LayerFromFile(layerFile)
	} else {
		layer, err = tarball.LayerFromOpener(func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(layerBytes)), nil
		})
	}
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
	cfg.Config = c
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return err
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		return err
	}
	return tarball.WriteToFile(dst, tag, img)
}

// rootfsFile reads one file of a root filesystem tarball.
func rootfsFile(rootfs, want string) ([]byte, error) {
	f, err := os.Open(rootfs)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%s has no %s", rootfs, want)
		}
		if err != nil {
			return nil, err
		}
		if strings.TrimPrefix(strings.TrimPrefix(h.Name, "./"), "/") == want && h.Typeflag == tar.TypeReg {
			return io.ReadAll(tr)
		}
	}
}

// installedVersion is a package's Version in a dpkg status file.
func installedVersion(status, pkg string) (string, error) {
	for _, para := range strings.Split(status, "\n\n") {
		var p, v string
		for _, line := range strings.Split(para, "\n") {
			if s, ok := strings.CutPrefix(line, "Package: "); ok {
				p = s
			}
			if s, ok := strings.CutPrefix(line, "Version: "); ok {
				v = s
			}
		}
		if p == pkg && v != "" {
			return v, nil
		}
	}
	return "", fmt.Errorf("package %s is not installed", pkg)
}

// upstreamVersion strips a Debian version's epoch and revision:
// 5:7.0.15-1~deb12u10 → 7.0.15.
func upstreamVersion(v string) string {
	if i := strings.Index(v, ":"); i >= 0 {
		v = v[i+1:]
	}
	if i := strings.LastIndex(v, "-"); i >= 0 {
		v = v[:i]
	}
	return v
}

// archiveName is the tarball's file name: the reference, flattened.
func archiveName(ref string) string {
	return strings.NewReplacer("/", "_", ":", "_").Replace(ref) + ".tar"
}

func slug(s string) string {
	return strings.ToLower(strings.NewReplacer(" ", "-", "/", "-").Replace(s))
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// tarFile is one entry of a layer this package writes.
type tarFile struct {
	hdr  tar.Header
	data []byte
}

func tarBytes(files []tarFile) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := f.hdr
		h.ModTime = epoch
		h.Format = tar.FormatPAX
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(f.data))
		}
		if err := tw.WriteHeader(&h); err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
