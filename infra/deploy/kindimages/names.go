package kindimages

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Images Redis and RabbitMQ run as on the kind cluster: Debian bookworm's
// packages, tagged with their upstream version. The builder refuses to
// tag a root filesystem whose package has another upstream version (a
// Debian stable point release keeps it; only the -1~deb12uN part moves).
const (
	LocalRegistry   = "airdisplay.local"
	RedisVersion    = "7.0.15"
	RabbitMQVersion = "3.10.8"
	RedisImage      = LocalRegistry + "/redis:" + RedisVersion
	RabbitMQImage   = LocalRegistry + "/rabbitmq:" + RabbitMQVersion

	// RedisUID and RabbitMQUID are the fixed users the two images run as
	// (user and group of that number, named redis and rabbitmq): a pod
	// sets runAsUser/runAsGroup/fsGroup to it.
	RedisUID    = 999
	RabbitMQUID = 999
	// NonrootUID is the user of the Dapr and KEDA images, as in upstream's
	// distroless images (gcr.io/distroless/static:nonroot); Dapr's chart
	// sets fsGroup 65532 for placement and scheduler.
	NonrootUID = 65532
)

// Refs are the image references of the kind cluster's platform images,
// derived from the pins without building anything.
type Refs struct {
	// DaprRegistry and DaprTag are the Dapr chart's global.registry and
	// global.tag: every Dapr image is <registry>/<name>:<tag>.
	DaprRegistry string
	DaprTag      string
	// Dapr maps a Dapr binary (daprd, operator, placement, sentry,
	// injector, scheduler) to its image.
	Dapr map[string]string
	// KEDATag is the tag of the three KEDA images (the release manifests'
	// image names, `kustomize edit set image <name>:<tag>`).
	KEDATag string
	// KEDA maps a KEDA binary (keda, keda-adapter,
	// keda-admission-webhooks) to its image.
	KEDA     map[string]string
	Redis    string
	RabbitMQ string
}

// All is every reference, sorted.
func (r Refs) All() []string {
	var out []string
	for _, m := range []map[string]string{r.Dapr, r.KEDA} {
		for _, v := range m {
			out = append(out, v)
		}
	}
	out = append(out, r.Redis, r.RabbitMQ)
	sort.Strings(out)
	return out
}

// daprImage is one image Dapr's chart runs: the binary the chart's
// template (or the injector, for daprd) starts as /<binary>.
type daprImage struct {
	Name   string // image name under global.registry
	Binary string // cmd/<binary> of github.com/dapr/dapr
}

// daprChartImages reads the image names of Dapr's chart (charts/dapr in
// the github.com/dapr/dapr module): global.registry, each subchart's
// image.name (the sidecar injector's image.name is the sidecar, daprd;
// its injectorImage.name is the injector itself) and the command each
// control-plane template runs.
func daprChartImages(chartDir string) (registry string, images []daprImage, err error) {
	var top struct {
		Global struct {
			Registry string `json:"registry"`
		} `json:"global"`
	}
	if err := readYAML(filepath.Join(chartDir, "values.yaml"), &top); err != nil {
		return "", nil, err
	}
	if top.Global.Registry == "" {
		return "", nil, fmt.Errorf("%s/values.yaml sets no global.registry", chartDir)
	}
	subcharts, err := filepath.Glob(filepath.Join(chartDir, "charts", "dapr_*"))
	if err != nil {
		return "", nil, err
	}
	for _, sub := range subcharts {
		var v struct {
			Image         struct{ Name string } `json:"image"`
			InjectorImage struct{ Name string } `json:"injectorImage"`
		}
		if err := readYAML(filepath.Join(sub, "values.yaml"), &v); err != nil {
			return "", nil, err
		}
		if v.Image.Name == "" {
			continue // dapr_rbac, dapr_config: no workload
		}
		commands, err := templateCommands(filepath.Join(sub, "templates"))
		if err != nil {
			return "", nil, err
		}
		switch {
		case v.InjectorImage.Name != "":
			// The injector's pod runs injectorImage; image is what it injects
			// (the injector starts it with args ["/daprd", …]).
			images = append(images, daprImage{Name: v.Image.Name, Binary: "daprd"})
			if len(commands) != 1 {
				return "", nil, fmt.Errorf("%s: want one command, found %v", sub, commands)
			}
			images = append(images, daprImage{Name: v.InjectorImage.Name, Binary: commands[0]})
		default:
			if len(commands) != 1 {
				return "", nil, fmt.Errorf("%s: want one command, found %v", sub, commands)
			}
			images = append(images, daprImage{Name: v.Image.Name, Binary: commands[0]})
		}
	}
	sort.Slice(images, func(i, j int) bool { return images[i].Name < images[j].Name })
	return top.Global.Registry, images, nil
}

// commandRe finds the binary a Dapr template starts when debugging is off:
//
//	command:
//	{{- if eq .Values.debug.enabled false }}
//	        - "/operator"
var commandRe = regexp.MustCompile(`command:\s*\n\{\{-\s*if eq \.Values\.debug\.enabled false\s*\}\}\s*\n\s*-\s*"/([a-z]+)"`)

func templateCommands(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, m := range commandRe.FindAllStringSubmatch(string(raw), -1) {
			out = append(out, m[1])
		}
	}
	return out, nil
}

// kedaImage is one KEDA image of its release manifests.
type kedaImage struct {
	Repo   string // e.g. ghcr.io/kedacore/keda
	Binary string // what the manifest runs: keda, keda-adapter, keda-admission-webhooks
	Cmd    string // the main package under github.com/kedacore/keda/v2/cmd
}

// kedaDirs are the kustomize directories of KEDA's config/ that carry a
// workload, and the main package each one's binary is built from (KEDA's
// Makefile: bin/keda from cmd/operator, bin/keda-adapter from cmd/adapter,
// bin/keda-admission-webhooks from cmd/webhooks).
var kedaDirs = []struct{ dir, cmd string }{
	{"manager", "operator"},
	{"metrics-server", "adapter"},
	{"webhooks", "webhooks"},
}

// kedaConfigImages reads KEDA's release manifests (config/ of the module):
// each kustomization's image name and the command its workload runs.
func kedaConfigImages(configDir string) ([]kedaImage, error) {
	var out []kedaImage
	for _, d := range kedaDirs {
		var k struct {
			Images []struct {
				Name string `json:"name"`
			} `json:"images"`
			Resources []string `json:"resources"`
		}
		dir := filepath.Join(configDir, d.dir)
		if err := readYAML(filepath.Join(dir, "kustomization.yaml"), &k); err != nil {
			return nil, err
		}
		if len(k.Images) != 1 {
			return nil, fmt.Errorf("%s/kustomization.yaml: want one image, found %d", dir, len(k.Images))
		}
		var bin string
		for _, r := range k.Resources {
			raw, err := os.ReadFile(filepath.Join(dir, r))
			if err != nil {
				return nil, err
			}
			if m := kedaCommandRe.FindStringSubmatch(string(raw)); m != nil {
				bin = m[1]
			}
		}
		if bin == "" {
			return nil, fmt.Errorf("%s: no workload command found", dir)
		}
		out = append(out, kedaImage{Repo: k.Images[0].Name, Binary: bin, Cmd: d.cmd})
	}
	return out, nil
}

var kedaCommandRe = regexp.MustCompile(`command:\s*\n\s*-\s*/([a-z-]+)`)

// imageTag is a release's tag: the module version without its v
// (ghcr.io/dapr/daprd:1.16.0, ghcr.io/kedacore/keda:2.21.0).
func imageTag(moduleVersion string) string { return strings.TrimPrefix(moduleVersion, "v") }

func readYAML(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
