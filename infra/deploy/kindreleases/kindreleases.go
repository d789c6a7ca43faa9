// Package kindreleases holds what the deployer's Helm provisioner of the
// kind environment (KIND_PROVISIONER=helm) installs, read from the files
// Terraform's infra/envs/kind reads too: charts.yaml (versions, release
// names, namespaces) and values/*.yaml. It finds Dapr's chart in the
// github.com/dapr/dapr Go module, builds KEDA's chart from the
// github.com/kedacore/keda/v2 module's release manifests (kustomize), and
// merges values files as Helm does.
package kindreleases

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

// Chart pins one third-party release of charts.yaml.
type Chart struct {
	Version   string `json:"version"`
	Release   string `json:"release"`
	Namespace string `json:"namespace"`
}

// Pins is infra/envs/kind/charts.yaml.
type Pins struct {
	Dapr    Chart `json:"dapr"`
	Keda    Chart `json:"keda"`
	Backing Chart `json:"backing"`
}

// ReadPins reads <envDir>/charts.yaml, naming what is missing.
func ReadPins(envDir string) (Pins, error) {
	p := filepath.Join(envDir, "charts.yaml")
	raw, err := os.ReadFile(p)
	if err != nil {
		return Pins{}, err
	}
	var pins Pins
	if err := yaml.UnmarshalStrict(raw, &pins); err != nil {
		return Pins{}, fmt.Errorf("%s: %w", p, err)
	}
	for name, c := range map[string]Chart{"dapr": pins.Dapr, "keda": pins.Keda} {
		if c.Version == "" || c.Release == "" || c.Namespace == "" {
			return Pins{}, fmt.Errorf("%s: %s needs version, release and namespace", p, name)
		}
	}
	if pins.Backing.Release == "" {
		return Pins{}, fmt.Errorf("%s: backing needs a release name", p)
	}
	return pins, nil
}

// ModuleDir returns the directory of a Go module version in the module
// cache, downloading it through the module proxy when it is not there.
func ModuleDir(ctx context.Context, path, version string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", path+"@"+version)
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	var m struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &m); jerr != nil && err == nil {
		err = jerr
	}
	if m.Error != "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", path, version, m.Error)
	}
	if err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w", path, version, err)
	}
	return m.Dir, nil
}

// DaprChart returns the directory of Dapr's chart in the github.com/dapr/dapr
// module at version (without the "v"). The module's chart is unreleased:
// its images are tagged "edge" (Dapr's release stamps the version), so the
// release sets global.tag to the version (DaprSetValues).
func DaprChart(ctx context.Context, version string) (string, error) {
	dir, err := ModuleDir(ctx, "github.com/dapr/dapr", "v"+version)
	if err != nil {
		return "", err
	}
	chart := filepath.Join(dir, "charts", "dapr")
	if _, err := os.Stat(filepath.Join(chart, "Chart.yaml")); err != nil {
		return "", fmt.Errorf("no Dapr chart in github.com/dapr/dapr@v%s: %w", version, err)
	}
	return chart, nil
}

// DaprSetValues are the --set values of the Dapr release installed from the
// module's chart: the image tag of the pinned version.
func DaprSetValues(version string) []string { return []string{"global.tag=" + version} }

// MergeValues merges values documents as Helm does: later documents win,
// maps merge key by key, anything else is replaced.
func MergeValues(docs ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, d := range docs {
		mergeInto(out, d)
	}
	return out
}

func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				c := maps.Clone(dm)
				mergeInto(c, sm)
				dst[k] = c
				continue
			}
			c := map[string]any{}
			mergeInto(c, sm)
			dst[k] = c
			continue
		}
		dst[k] = v
	}
}

// ReadValues reads values files and merges them in order.
func ReadValues(files ...string) (map[string]any, error) {
	var docs []map[string]any
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := yaml.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		docs = append(docs, m)
	}
	return MergeValues(docs...), nil
}

// Lookup returns the value at a dotted path of merged values.
func Lookup(v map[string]any, path ...string) (any, bool) {
	var cur any = v
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}
