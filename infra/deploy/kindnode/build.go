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
	goVer, err := goVersion(ctx)
	if err != nil {
		return "", err
	}
	files, err := fileKey(filepath.Join(mod, "go.mod"), filepath.Join(mod, "go.sum"))
	if err != nil {
		return "", err
	}
	dir := filepath.Join(b.o.CacheDir, "kubernetes-"+p.Kubernetes+"-"+key(recipe, goVer, files))
	err = b.cached("kubernetes "+p.Kubernetes+" ("+strings.Join(KubernetesBinaries, ", ")+")", dir, func(tmp string) error {
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
		return goBuild(ctx, mod, args...)
	})
	return dir, err
}

// goBinary builds the main package of infra/kind/build/<module> as name.
func (b *builder) goBinary(ctx context.Context, module, name string) (string, error) {
	mod := filepath.Join(BuildDir(b.o.RepoRoot), module)
	goVer, err := goVersion(ctx)
	if err != nil {
		return "", err
	}
	files, err := fileKey(filepath.Join(mod, "go.mod"), filepath.Join(mod, "go.sum"), filepath.Join(mod, "main.go"))
	if err != nil {
		return "", err
	}
	dir := filepath.Join(b.o.CacheDir, module+"-"+key(recipe, goVer, files))
	err = b.cached(module, dir, func(tmp string) error {
		return goBuild(ctx, mod, "build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(tmp, name), ".")
	})
	return filepath.Join(dir, name), err
}

// goBuild runs go in a build module: static, that module alone.
func goBuild(ctx context.Context, dir string, args ...string) error {
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
	files, err := fileKey(src)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(b.o.CacheDir, "pause-"+p.Pause+"-"+key(recipe, strings.SplitN(string(gcc), "\n", 2)[0], files))
	err = b.cached("pause "+p.Pause, dir, func(tmp string) error {
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
	if _, err := exec.LookPath("mmdebstrap"); err != nil {
		return "", fmt.Errorf("mmdebstrap not found: install Debian's mmdebstrap (make deps does)")
	}
	dir := filepath.Join(b.o.CacheDir, "rootfs-"+Suite+"-"+key(recipe, Suite, b.o.Mirror, strings.Join(Packages, ",")))
	err := b.cached("Debian "+Suite+" root filesystem (mmdebstrap)", dir, func(tmp string) error {
		cmd := exec.CommandContext(ctx, "mmdebstrap", "--variant=minbase", "--quiet",
			// mmdebstrap leaves no apt lists or caches behind by default.
			"--include="+strings.Join(Packages, ","),
			Suite, filepath.Join(tmp, "rootfs.tar"), b.o.Mirror)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("mmdebstrap: %v\n%s", err, out)
		}
		return nil
	})
	return filepath.Join(dir, "rootfs.tar"), err
}
