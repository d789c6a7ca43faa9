package kindreleases

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const envDir = "../../envs/kind"

func TestReadPinsOfTheKindEnvironment(t *testing.T) {
	pins, err := ReadPins(envDir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pins.Dapr.Version, "1.16.") || pins.Dapr.Namespace != "dapr-system" || pins.Keda.Namespace != "keda" || pins.Backing.Release == "" {
		t.Fatalf("pins = %+v", pins)
	}
}

func TestReadPinsNamesWhatIsMissing(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "charts.yaml"), []byte("dapr: {version: 1.16.0}\nkeda: {version: 2.21.0, release: keda, namespace: keda}\nbacking: {release: b}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPins(dir); err == nil || !strings.Contains(err.Error(), "dapr") {
		t.Fatalf("err = %v, want one naming dapr", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "charts.yaml"), []byte("dapr: {version: 1.16.0, typo: x}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPins(dir); err == nil {
		t.Fatal("an unknown key was accepted")
	}
}

func TestMergeValuesLikeHelm(t *testing.T) {
	got := MergeValues(
		map[string]any{"a": map[string]any{"b": 1, "c": map[string]any{"d": 2}}, "list": []any{1, 2}, "s": "x"},
		map[string]any{"a": map[string]any{"c": map[string]any{"e": 3}}, "list": []any{3}},
		map[string]any{"s": "y", "new": map[string]any{"k": true}},
	)
	want := map[string]any{
		"a":    map[string]any{"b": 1, "c": map[string]any{"d": 2, "e": 3}},
		"list": []any{3}, "s": "y", "new": map[string]any{"k": true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

func TestMergeValuesLeavesItsInputsAlone(t *testing.T) {
	base := map[string]any{"a": map[string]any{"b": 1}}
	_ = MergeValues(base, map[string]any{"a": map[string]any{"b": 2}})
	if base["a"].(map[string]any)["b"] != 1 {
		t.Fatal("MergeValues changed its input")
	}
}

func TestBackingValuesOfTheOfflineNode(t *testing.T) {
	v, err := ReadValues("../../../helm/airdisplay-backing/values.yaml", envDir+"/values/backing.yaml", envDir+"/values/offline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if on, _ := Lookup(v, "staticVolumes", "enabled"); on != true {
		t.Error("offline.yaml must turn static volumes on")
	}
	if repo, _ := Lookup(v, "redis", "image", "repository"); !strings.HasPrefix(repo.(string), "airdisplay.local/") {
		t.Errorf("redis image %v, want the offline one", repo)
	}
	if p, _ := Lookup(v, "redis", "port"); p != float64(6379) {
		t.Errorf("redis port %v (%T)", p, p)
	}
	if _, ok := Lookup(v, "redis", "nope"); ok {
		t.Error("Lookup found a missing key")
	}
}

// A kustomization shaped like KEDA's config/default becomes a chart: CRDs
// under crds/, no Namespace, images and pull policies from the values.
func TestBuildKedaChart(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("kustomization.yaml", "resources: [crd.yaml, ns.yaml, deploy.yaml]\nimages:\n- name: ghcr.io/kedacore/keda\n  newTag: main\n")
	write("crd.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: scaledobjects.keda.sh\n")
	write("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: keda\n")
	containers := func(names ...string) string {
		var b strings.Builder
		for _, n := range names {
			b.WriteString("      - name: " + n + "\n        image: ghcr.io/kedacore/" + n + ":latest\n        imagePullPolicy: Always\n        args: ['{{x}}']\n")
		}
		return b.String()
	}
	write("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: keda-operator\n  namespace: keda\nspec:\n  template:\n    spec:\n      containers:\n"+
		containers("keda", "keda-metrics-apiserver", "keda-admission-webhooks"))
	files, err := BuildKedaChart(dir, "2.21.0")
	if err != nil {
		t.Fatal(err)
	}
	tpl := string(files["templates/keda.yaml"])
	for _, want := range []string{
		`image: "{{ .Values.image.keda.registry }}/{{ .Values.image.keda.repository }}:{{ .Values.image.keda.tag | default .Chart.AppVersion }}"`,
		`{{ .Values.image.metricsApiServer.repository }}`, `{{ .Values.image.webhooks.repository }}`,
		"imagePullPolicy: {{ .Values.image.pullPolicy }}", `{{ "{{" }}x}}`,
	} {
		if !strings.Contains(tpl, want) {
			t.Errorf("template lacks %q:\n%s", want, tpl)
		}
	}
	if strings.Contains(tpl, "kind: Namespace") || strings.Contains(tpl, "CustomResourceDefinition") {
		t.Errorf("template holds the Namespace or a CRD:\n%s", tpl)
	}
	if !strings.Contains(string(files["crds/crds.yaml"]), "scaledobjects.keda.sh") {
		t.Error("the CRD is not under crds/")
	}
	if !strings.Contains(string(files["Chart.yaml"]), "version: 2.21.0") || !strings.Contains(string(files["values.yaml"]), "repository: kedacore/keda-admission-webhooks") {
		t.Errorf("Chart.yaml / values.yaml:\n%s\n%s", files["Chart.yaml"], files["values.yaml"])
	}
}

// The real release manifests, when the module is in the module cache (or
// the proxy answers): every CRD and the three Deployments.
func TestKedaChartFromTheModule(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	pins, err := ReadPins(envDir)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := KedaChart(context.Background(), pins.Keda.Version, t.TempDir())
	if err != nil {
		t.Skipf("KEDA module unavailable: %v", err)
	}
	crds, _ := os.ReadFile(filepath.Join(dir, "crds", "crds.yaml"))
	tpl, _ := os.ReadFile(filepath.Join(dir, "templates", "keda.yaml"))
	for _, crd := range []string{"scaledobjects.keda.sh", "scaledjobs.keda.sh", "triggerauthentications.keda.sh", "clustertriggerauthentications.keda.sh"} {
		if !strings.Contains(string(crds), "name: "+crd) {
			t.Errorf("no CRD %s", crd)
		}
	}
	for _, d := range []string{"name: keda-operator\n", "name: keda-metrics-apiserver\n", "name: keda-admission\n"} {
		if !strings.Contains(string(tpl), d) {
			t.Errorf("no %q in the template", d)
		}
	}
	if strings.Contains(string(tpl), "ghcr.io/kedacore/") {
		t.Error("an image reference was not templated")
	}
}
