package kindnode

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/mod/modfile"
)

// Pins are the versions the image is built from, read from the build
// modules under infra/kind/build and the deployer's go.mod.
type Pins struct {
	Kubernetes string // k8s.io/kubernetes in infra/kind/build/kubernetes
	Etcd       string // go.etcd.io/etcd/server/v3 in infra/kind/build/etcd
	CoreDNS    string // github.com/coredns/coredns in infra/kind/build/coredns
	Pause      string // kubeadm's PauseVersion at that Kubernetes
	Kind       string // sigs.k8s.io/kind in infra/deploy (its node layout)

	kubernetesDir string // the k8s.io/kubernetes module source
	kindDir       string // the sigs.k8s.io/kind module source
}

// BuildDir is where the build modules live.
func BuildDir(repoRoot string) string { return filepath.Join(repoRoot, "infra", "kind", "build") }

// NodeFilesDir holds the files the project adds to kind's node layout.
func NodeFilesDir(repoRoot string) string { return filepath.Join(repoRoot, "infra", "kind", "node") }

func readPins(ctx context.Context, repoRoot string) (Pins, error) {
	var p Pins
	var err error
	build := BuildDir(repoRoot)
	if p.Kubernetes, err = Requirement(filepath.Join(build, "kubernetes", "go.mod"), "k8s.io/kubernetes"); err != nil {
		return p, err
	}
	if p.Etcd, err = Requirement(filepath.Join(build, "etcd", "go.mod"), "go.etcd.io/etcd/server/v3"); err != nil {
		return p, err
	}
	if p.CoreDNS, err = Requirement(filepath.Join(build, "coredns", "go.mod"), "github.com/coredns/coredns"); err != nil {
		return p, err
	}
	if p.Kind, err = Requirement(filepath.Join(repoRoot, "infra", "deploy", "go.mod"), "sigs.k8s.io/kind"); err != nil {
		return p, err
	}
	if p.kubernetesDir, err = ModuleDir(ctx, filepath.Join(build, "kubernetes"), "k8s.io/kubernetes@"+p.Kubernetes); err != nil {
		return p, err
	}
	if p.kindDir, err = ModuleDir(ctx, filepath.Join(repoRoot, "infra", "deploy"), "sigs.k8s.io/kind@"+p.Kind); err != nil {
		return p, err
	}
	// kubeadm names the images it wants; the pins must be those versions,
	// or kubeadm would look for images this node does not have.
	consts, err := os.ReadFile(filepath.Join(p.kubernetesDir, "cmd", "kubeadm", "app", "constants", "constants.go"))
	if err != nil {
		return p, err
	}
	want := func(name string) string {
		m := regexp.MustCompile(name + `\s*=\s*"([^"]+)"`).FindSubmatch(consts)
		if m == nil {
			return ""
		}
		return string(m[1])
	}
	p.Pause = want("PauseVersion")
	if p.Pause == "" {
		return p, fmt.Errorf("no PauseVersion in kubeadm %s constants", p.Kubernetes)
	}
	if d := want("CoreDNSVersion"); d != p.CoreDNS {
		return p, fmt.Errorf("kubeadm %s deploys CoreDNS %s but infra/kind/build/coredns pins %s", p.Kubernetes, d, p.CoreDNS)
	}
	if e := strings.TrimSuffix(want("DefaultEtcdVersion"), "-0"); "v"+e != p.Etcd {
		return p, fmt.Errorf("kubeadm %s deploys etcd %s but infra/kind/build/etcd pins %s", p.Kubernetes, e, p.Etcd)
	}
	return p, nil
}

// Requirement is the version goMod requires of a module path.
func Requirement(goMod, path string) (string, error) {
	raw, err := os.ReadFile(goMod)
	if err != nil {
		return "", err
	}
	f, err := modfile.ParseLax(goMod, raw, nil)
	if err != nil {
		return "", err
	}
	for _, r := range f.Require {
		if r.Mod.Path == path {
			return r.Mod.Version, nil
		}
	}
	return "", fmt.Errorf("%s requires no %s", goMod, path)
}

// ModuleDir downloads (or finds in the module cache) a module's source.
func ModuleDir(ctx context.Context, dir, mod string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", mod)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", mod, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", err
	}
	if m.Error != "" || m.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", mod, m.Error)
	}
	return m.Dir, nil
}
