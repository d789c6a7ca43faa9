package kindnode

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// KubernetesBinaries are built from k8s.io/kubernetes: kubeadm, kubelet and
// kubectl go into the node, the rest into control-plane images.
var KubernetesBinaries = []string{
	"kubeadm", "kubelet", "kubectl",
	"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy",
}

// kubernetes builds the Kubernetes binaries into one cached directory.
func (b *builder) kubernetes(ctx context.Context, p Pins) (string, error) {
	mod := filepath.Join(BuildDir(b.o.RepoRoot), "kubernetes")
	goVer, err := GoVersion(ctx)
	if err != nil {
		return "", err
	}
	files, err := FileKey(filepath.Join(mod, "go.mod"), filepath.Join(mod, "go.sum"))
	if err != nil {
		return "", err
	}
	dir := filepath.Join(b.o.CacheDir, "kubernetes-"+p.Kubernetes+"-"+Key(recipe, goVer, files))
	err = b.Cached("kubernetes "+p.Kubernetes+" ("+strings.Join(KubernetesBinaries, ", ")+")", dir, func(tmp string) error {
		// kubeadm refuses to work without its version, and every component
		// reports it; these are the variables upstream's build sets.
		v := "k8s.io/component-base/version"
		minor := strings.Split(strings.TrimPrefix(p.Kubernetes, "v"), ".")
		ldflags := fmt.Sprintf("-s -w -X %[1]s.gitVersion=%[2]s -X %[1]s.gitMajor=%[3]s -X %[1]s.gitMinor=%[4]s -X %[1]s.gitTreeState=clean",
			v, p.Kubernetes, minor[0], minor[1])
		args := []string{"build", "-trimpath", "-ldflags", ldflags, "-o", tmp + "/"}
		for _, c := range KubernetesBinaries {
			args = append(args, "k8s.io/kubernetes/cmd/"+c)
		}
		return GoBuild(ctx, mod, args...)
	})
	return dir, err
}

// goBinary builds the main package of infra/kind/build/<module> as name.
func (b *builder) goBinary(ctx context.Context, module, name string) (string, error) {
	mod := filepath.Join(BuildDir(b.o.RepoRoot), module)
	goVer, err := GoVersion(ctx)
	if err != nil {
		return "", err
	}
	files, err := FileKey(filepath.Join(mod, "go.mod"), filepath.Join(mod, "go.sum"), filepath.Join(mod, "main.go"))
	if err != nil {
		return "", err
	}
	dir := filepath.Join(b.o.CacheDir, module+"-"+Key(recipe, goVer, files))
	err = b.Cached(module, dir, func(tmp string) error {
		return GoBuild(ctx, mod, "build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(tmp, name), ".")
	})
	return filepath.Join(dir, name), err
}

// GoBuild runs go in a build module: static, that module alone.
func GoBuild(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0", "GOFLAGS=-mod=readonly")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return nil
}

// pause compiles the pod sandbox's pause from the Kubernetes module's C
// source, static, as upstream's image does.
func (b *builder) pause(ctx context.Context, p Pins) (string, error) {
	src := filepath.Join(p.kubernetesDir, "build", "pause", "linux", "pause.c")
	gcc, err := exec.CommandContext(ctx, "gcc", "--version").Output()
	if err != nil {
		return "", fmt.Errorf("gcc not found: pause is built from C (Debian's gcc and libc6-dev): %w", err)
	}
	files, err := FileKey(src)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(b.o.CacheDir, "pause-"+p.Pause+"-"+Key(recipe, strings.SplitN(string(gcc), "\n", 2)[0], files))
	err = b.Cached("pause "+p.Pause, dir, func(tmp string) error {
		cmd := exec.CommandContext(ctx, "gcc", "-Os", "-Wall", "-Werror", "-static",
			fmt.Sprintf("-DVERSION=v%s-airdisplay", p.Pause), "-o", filepath.Join(tmp, "pause"), src)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("gcc pause.c: %v\n%s", err, out)
		}
		return exec.CommandContext(ctx, "strip", filepath.Join(tmp, "pause")).Run()
	})
	return filepath.Join(dir, "pause"), err
}

// rootfs makes the node's Debian root filesystem with mmdebstrap.
func (b *builder) rootfs(ctx context.Context) (string, error) {
	return BuildRootfs(ctx, b.Steps, b.o.CacheDir, NodeRootfs(b.o.Mirror))
}

// Rootfs is a Debian root filesystem made by mmdebstrap --variant=minbase.
type Rootfs struct {
	// Name starts its cache directory ("rootfs" for the node).
	Name string
	// Recipe is part of the cache key: raise it when what is made from the
	// same inputs changes.
	Recipe   string
	Suite    string
	Mirror   string
	Packages []string
	// Options are further mmdebstrap arguments (hooks, dpkg options); they
	// are part of the cache key.
	Options []string
}

// Dir is the cache directory of that root filesystem: a key of its inputs.
func (r Rootfs) Dir(cacheDir string) string {
	parts := append([]string{r.Recipe, r.Suite, r.Mirror, strings.Join(r.Packages, ",")}, r.Options...)
	return filepath.Join(cacheDir, r.Name+"-"+r.Suite+"-"+Key(parts...))
}

// BuildRootfs makes (or finds in cacheDir) a root filesystem and returns
// its tarball, rootfs.tar in Dir(cacheDir).
func BuildRootfs(ctx context.Context, s *Steps, cacheDir string, r Rootfs) (string, error) {
	if _, err := exec.LookPath("mmdebstrap"); err != nil {
		return "", fmt.Errorf("mmdebstrap not found: install Debian's mmdebstrap (make deps-kind does)")
	}
	if r.Mirror == "" {
		r.Mirror = DebianMirror()
	}
	dir := r.Dir(cacheDir)
	label := "Debian " + r.Suite + " root filesystem (mmdebstrap)"
	if r.Name != "rootfs" {
		label = "Debian " + r.Suite + " root filesystem with " + strings.Join(r.Packages, ", ") + " (mmdebstrap)"
	}
	err := s.Cached(label, dir, func(tmp string) error {
		args := []string{"--variant=minbase", "--quiet",
			// mmdebstrap leaves no apt lists or caches behind by default.
			"--include=" + strings.Join(r.Packages, ",")}
		args = append(args, r.Options...)
		args = append(args, r.Suite, filepath.Join(tmp, "rootfs.tar"), r.Mirror)
		cmd := exec.CommandContext(ctx, "mmdebstrap", args...)
		// The system's tools first: mmdebstrap's helpers are Python scripts
		// run through env, which a user's Python shims would slow down.
		cmd.Env = append(os.Environ(), "PATH=/usr/sbin:/usr/bin:/sbin:/bin:"+os.Getenv("PATH"))
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("mmdebstrap: %v\n%s", err, out)
		}
		return nil
	})
	return filepath.Join(dir, "rootfs.tar"), err
}

// NodeRootfs is the node's root filesystem (it carries, among the rest,
// Debian's CA bundle, which the kind platform images take from it).
func NodeRootfs(mirror string) Rootfs {
	return Rootfs{Name: "rootfs", Recipe: recipe, Suite: Suite, Mirror: mirror, Packages: Packages}
}
