// Package kindnode builds a kind node image with nothing pulled from a
// registry: Kubernetes, etcd and CoreDNS compiled from pinned Go modules,
// pause compiled from the Kubernetes module's C source, a Debian root
// filesystem from mmdebstrap, and kind's own node layout (its base image
// files, from the sigs.k8s.io/kind module the deployer uses). The control
// plane images ride in the node under /kind/images and are imported into
// its containerd at boot, before the kubelet starts.
//
// Every artefact is cached outside the clone under a key made of its own
// inputs, so a second build takes seconds and a changed pin rebuilds only
// what it feeds.
package kindnode

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Options configure Build.
type Options struct {
	// RepoRoot is the repository root (infra/kind lives under it).
	RepoRoot string
	// CacheDir keeps every artefact, keyed by its inputs.
	CacheDir string
	// Mirror is the Debian mirror mmdebstrap reads; default: the one apt
	// uses on this machine, else deb.debian.org.
	Mirror string
	// Log gets one line per step with its time.
	Log io.Writer
}

// Image is a built node image.
type Image struct {
	// Ref is the name it is imported under, e.g.
	// airdisplay.local/kind-node:v1.34.3-0123456789ab.
	Ref string
	// Archive is the node's root filesystem as a tar, for `docker import`.
	Archive string
	// Kubernetes is the Kubernetes version it runs.
	Kubernetes string
	// Kubectl is the kubectl built with it (same version), in the cache.
	Kubectl string
}

// Repository is where node images are named (never pushed anywhere).
const Repository = "airdisplay.local/kind-node"

// recipe is part of every cache key; imagesRecipe and nodeRecipe are
// raised when this package changes what those steps make from the same
// inputs, so only those steps rebuild.
const (
	recipe       = "kindnode/1"
	imagesRecipe = recipe + "/images/2" // 2: alternatives links for iptables
	nodeRecipe   = recipe + "/node/1"
)

// Suite and Packages make the node's root filesystem (kind's base image is
// Debian bookworm too). containerd, runc and the CNI plugins come from
// Debian rather than kind's own builds of them.
const Suite = "bookworm"

// Packages are what the node needs: systemd as init, the container runtime,
// networking tools kube-proxy, the kubelet and kind's entrypoint call.
var Packages = []string{
	"systemd", "systemd-sysv", "dbus", "containerd", "runc", "containernetworking-plugins",
	"iptables", "nftables", "iproute2", "mount", "util-linux", "ca-certificates", "conntrack",
	"ethtool", "socat", "ebtables", "kmod", "libseccomp2", "pigz", "procps", "bash",
	// jq: kind's mount-product-files.sh OCI hook runs it for every container.
	"jq",
}

// Build makes the node image archive, reusing every cached step.
func Build(ctx context.Context, o Options) (Image, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.RepoRoot == "" || o.CacheDir == "" {
		return Image{}, errors.New("kindnode: RepoRoot and CacheDir are required")
	}
	if o.Mirror == "" {
		o.Mirror = DebianMirror()
	}
	b := &builder{o: o, Steps: NewSteps(o.Log, "kind-image")}
	if err := os.MkdirAll(o.CacheDir, 0o755); err != nil {
		return Image{}, err
	}
	p, err := readPins(ctx, o.RepoRoot)
	if err != nil {
		return Image{}, err
	}
	fmt.Fprintf(o.Log, "kind-image: Kubernetes %s, etcd %s, CoreDNS %s, pause %s, kind %s, Debian %s (%s); cache %s\n",
		p.Kubernetes, p.Etcd, p.CoreDNS, p.Pause, p.Kind, Suite, o.Mirror, o.CacheDir)

	// The compilers and mmdebstrap run side by side: the Go builds use the
	// cores, mmdebstrap mostly waits on the mirror and the disk.
	var (
		wg                    sync.WaitGroup
		mu                    sync.Mutex
		errs                  []error
		k8sDir, etcd, coredns string
		pause, rootfs         string
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
	run(func() (err error) { k8sDir, err = b.kubernetes(ctx, p); return })
	run(func() (err error) {
		if etcd, err = b.goBinary(ctx, "etcd", "etcd"); err != nil {
			return err
		}
		coredns, err = b.goBinary(ctx, "coredns", "coredns")
		return err
	})
	run(func() (err error) {
		if pause, err = b.pause(ctx, p); err != nil {
			return err
		}
		rootfs, err = b.rootfs(ctx)
		return err
	})
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Image{}, err
	}

	images, err := b.images(ctx, p, k8sDir, etcd, coredns, pause, rootfs)
	if err != nil {
		return Image{}, err
	}
	return b.node(ctx, p, k8sDir, rootfs, images)
}

// builder runs the steps and prints their progress.
type builder struct {
	o Options
	*Steps
}

// Steps runs cached build steps and prints each with its time since the
// build started: Build's own machinery, shared with the other builders of
// kind artefacts (infra/deploy/kindimages).
type Steps struct {
	// Log gets one line per step; Prefix starts each line.
	Log     io.Writer
	Prefix  string
	Started time.Time
	mu      sync.Mutex
}

// NewSteps starts the clock.
func NewSteps(log io.Writer, prefix string) *Steps {
	if log == nil {
		log = io.Discard
	}
	return &Steps{Log: log, Prefix: prefix, Started: time.Now()}
}

// Logf prints one progress line.
func (s *Steps) Logf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.Log, "%s [%6s] %s\n", s.Prefix, since(s.Started), fmt.Sprintf(format, args...))
}

// Cached runs make into a fresh directory and renames it to dir, so a
// killed build never leaves a half-written cache entry; an existing dir is
// reused as it is.
func (s *Steps) Cached(name, dir string, make func(tmp string) error) error {
	if _, err := os.Stat(dir); err == nil {
		s.Logf("%s: cached (%s)", name, filepath.Base(dir))
		return nil
	}
	start := time.Now()
	s.Logf("%s: building …", name)
	tmp := dir + ".tmp"
	_ = os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	if err := make(tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	s.Logf("%s: built in %s", name, since(start))
	return nil
}

// Key hashes its parts into a short cache key.
func Key(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\n", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// FileKey hashes files' contents.
func FileKey(paths ...string) (string, error) {
	var parts []string
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		parts = append(parts, p[strings.LastIndex(p, "/")+1:], string(raw))
	}
	return Key(parts...), nil
}

func since(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() }

// GoVersion is the Go that builds the binaries (make exports GOTOOLCHAIN).
func GoVersion(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOVERSION: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// DebianMirror is the first Debian mirror apt is configured with here.
func DebianMirror() string {
	for _, f := range []string{"/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"} {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(raw), "\n") {
			line = strings.TrimSpace(line)
			if v, ok := strings.CutPrefix(line, "URIs:"); ok && !strings.Contains(v, "security") {
				return strings.Fields(v)[0]
			}
			if fields := strings.Fields(line); len(fields) >= 3 && fields[0] == "deb" && !strings.Contains(fields[1], "security") {
				return fields[1]
			}
		}
	}
	return "http://deb.debian.org/debian"
}

// DefaultCacheDir is ${XDG_CACHE_HOME:-$HOME/.cache}/airdisplay/kind.
func DefaultCacheDir() string {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "airdisplay", "kind")
}
