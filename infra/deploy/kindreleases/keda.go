package kindreleases

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// kedaGenerator is bumped whenever BuildKedaChart's output changes, so a
// chart cached by an older deployer is rebuilt.
const kedaGenerator = "1"

// KedaChart returns a Helm chart of KEDA at version (without the "v"),
// built from the release manifests in the github.com/kedacore/keda/v2
// module (config/default, kustomize) and cached under cacheDir by version.
// Its values follow the keys of KEDA's official chart that the kind
// environment uses (image.<keda|metricsApiServer|webhooks>.registry,
// .repository, .tag; image.pullPolicy), so the values file Terraform gives
// the official chart serves this one too.
func KedaChart(ctx context.Context, version, cacheDir string) (string, error) {
	dst := filepath.Join(cacheDir, "keda-"+version+"-g"+kedaGenerator)
	if _, err := os.Stat(filepath.Join(dst, "Chart.yaml")); err == nil {
		return dst, nil
	}
	mod, err := ModuleDir(ctx, "github.com/kedacore/keda/v2", "v"+version)
	if err != nil {
		return "", err
	}
	files, err := BuildKedaChart(filepath.Join(mod, "config", "default"), version)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(cacheDir, ".keda-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	for name, content := range files {
		p := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			return "", err
		}
	}
	_ = os.RemoveAll(dst)
	if err := os.Rename(tmp, dst); err != nil {
		return "", err
	}
	return dst, nil
}

// kedaImage matches the image references of KEDA's manifests; the groups
// are the image name and its tag.
var kedaImage = regexp.MustCompile(`(?m)^(\s*(?:-\s+)?image:\s*)"?ghcr\.io/kedacore/(keda|keda-metrics-apiserver|keda-admission-webhooks):[^\s"]+"?\s*$`)

var pullPolicy = regexp.MustCompile(`(?m)^(\s*imagePullPolicy:\s*)\S+\s*$`)

// kedaValueKeys maps each image to its key under image. in the values.
var kedaValueKeys = map[string]string{
	"keda": "keda", "keda-metrics-apiserver": "metricsApiServer", "keda-admission-webhooks": "webhooks",
}

// BuildKedaChart runs kustomize over a kustomization directory of KEDA's
// release manifests and returns the chart's files by path: CRDs under
// crds/ (installed first, as Helm does), everything else but the Namespace
// (the release's namespace is created by the installer) in one template
// whose image references and pull policies come from the values.
func BuildKedaChart(kustomizationDir, version string) (map[string][]byte, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(filesys.MakeFsOnDisk(), kustomizationDir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", kustomizationDir, err)
	}
	var crds, objs bytes.Buffer
	images := map[string]bool{}
	for _, r := range res.Resources() {
		doc, err := r.AsYAML()
		if err != nil {
			return nil, err
		}
		switch r.GetKind() {
		case "Namespace":
			continue
		case "CustomResourceDefinition":
			crds.WriteString("---\n")
			crds.Write(doc)
			continue
		}
		s := strings.ReplaceAll(string(doc), "{{", `{{ "{{" }}`)
		s = kedaImage.ReplaceAllStringFunc(s, func(line string) string {
			m := kedaImage.FindStringSubmatch(line)
			key := kedaValueKeys[m[2]]
			images[key] = true
			return fmt.Sprintf(`%s"{{ .Values.image.%[2]s.registry }}/{{ .Values.image.%[2]s.repository }}:{{ .Values.image.%[2]s.tag | default .Chart.AppVersion }}"`, m[1], key)
		})
		s = pullPolicy.ReplaceAllString(s, "${1}{{ .Values.image.pullPolicy }}")
		objs.WriteString("---\n")
		objs.WriteString(s)
	}
	for _, key := range kedaValueKeys {
		if !images[key] {
			return nil, fmt.Errorf("kustomize build %s: no image of %s in the manifests", kustomizationDir, key)
		}
	}
	sum := sha256.Sum256(append(crds.Bytes(), objs.Bytes()...))
	chart := fmt.Sprintf(`apiVersion: v2
name: keda
description: KEDA %[1]s from its release manifests (config/default of github.com/kedacore/keda/v2@v%[1]s, built with kustomize by infra/deploy/kindreleases). Manifests sha256 %[2]s.
type: application
version: %[1]s
appVersion: %[1]q
`, version, hex.EncodeToString(sum[:8]))
	values := `# Keys of KEDA's official chart that this chart honours.
image:
  keda:
    registry: ghcr.io
    repository: kedacore/keda
    # Empty: the chart's appVersion.
    tag: ""
  metricsApiServer:
    registry: ghcr.io
    repository: kedacore/keda-metrics-apiserver
    tag: ""
  webhooks:
    registry: ghcr.io
    repository: kedacore/keda-admission-webhooks
    tag: ""
  pullPolicy: Always
`
	return map[string][]byte{
		"Chart.yaml":          []byte(chart),
		"values.yaml":         []byte(values),
		"crds/crds.yaml":      crds.Bytes(),
		"templates/keda.yaml": objs.Bytes(),
	}, nil
}
