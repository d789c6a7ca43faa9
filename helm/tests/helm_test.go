package charttests

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gruntwork-io/terratest/modules/helm"
	"github.com/gruntwork-io/terratest/modules/k8s"
	"github.com/gruntwork-io/terratest/modules/logger"
	"sigs.k8s.io/yaml"
)

const (
	chartDir    = "../airdisplay"
	readmePath  = "../README.md"
	releaseName = "airdisplay"
	namespace   = "airdisplay"
)

// helmPath is the helm binary the tests run (env HELM, else ../../bin/helm,
// which `make helm` installs); helmErr says why it is unusable.
var (
	helmPath string
	helmErr  error
)

// TestMain finds helm and puts it first on PATH under the name "helm":
// terratest's helm module always runs "helm" from PATH.
func TestMain(m *testing.M) {
	dir, cleanup, err := setupHelm()
	if err != nil {
		helmErr = err
	} else {
		if err := os.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH")); err != nil {
			helmErr = err
		}
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

func setupHelm() (string, func(), error) {
	noop := func() {}
	p := os.Getenv("HELM")
	if p == "" {
		p = filepath.Join("..", "..", "bin", "helm")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", noop, err
	}
	if st, err := os.Stat(abs); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return "", noop, fmt.Errorf("no helm binary at %s (HELM overrides the path)", abs)
	}
	helmPath = abs
	if filepath.Base(abs) == "helm" {
		return filepath.Dir(abs), noop, nil
	}
	dir, err := os.MkdirTemp("", "charttests-helm-")
	if err != nil {
		return "", noop, err
	}
	if err := os.Symlink(abs, filepath.Join(dir, "helm")); err != nil {
		_ = os.RemoveAll(dir)
		return "", noop, err
	}
	return dir, func() { _ = os.RemoveAll(dir) }, nil
}

// requireHelm fails the test when there is no helm binary to run.
func requireHelm(t *testing.T) {
	t.Helper()
	if helmErr != nil {
		t.Fatalf("helm is required: %v: run make helm", helmErr)
	}
}

// Flavor is one way of installing the chart.
type Flavor struct {
	Name        string
	ValuesFiles []string
	SetValues   map[string]string
}

// Identities of the azure test flavor: stand-ins for Terraform's outputs.
const (
	producerClientID    = "11111111-1111-4111-8111-111111111111"
	consumerClientID    = "22222222-2222-4222-8222-222222222222"
	bannerActorClientID = "33333333-3333-4333-8333-333333333333"
	kedaClientID        = "44444444-4444-4444-8444-444444444444"
	tenantID            = "55555555-5555-4555-8555-555555555555"
	serviceBusFQDN      = "sb-airdisplay-test.servicebus.windows.net"
	azureRedisHost      = "redis-airdisplay-test.westeurope.redis.azure.net"
	bannerEventsTopic   = "banner-updated"
	acrLoginServer      = "acrairdisplaytest.azurecr.io"
)

// azureSetValues are what the deployer passes from Terraform's outputs on
// top of values-azure.yaml.
func azureSetValues() map[string]string {
	return map[string]string{
		"image.registry":                                acrLoginServer,
		"azure.tenantId":                                tenantID,
		"azure.serviceBus.namespaceFQDN":                serviceBusFQDN,
		"azure.serviceBus.bannerEventsTopic":            bannerEventsTopic,
		"azure.redis.host":                              azureRedisHost,
		"azure.workloadIdentity.clientIds.producer":     producerClientID,
		"azure.workloadIdentity.clientIds.consumer":     consumerClientID,
		"azure.workloadIdentity.clientIds.banner-actor": bannerActorClientID,
		"azure.workloadIdentity.kedaClientId":           kedaClientID,
	}
}

// flavors are rendered and checked by every render test.
var flavors = []Flavor{
	{Name: "defaults"},
	{Name: "kind", ValuesFiles: []string{chartDir + "/values-kind.yaml"}},
	{Name: "azure", ValuesFiles: []string{chartDir + "/values-azure.yaml"}, SetValues: azureSetValues()},
}

func flavorByName(t *testing.T, name string) Flavor {
	t.Helper()
	for _, f := range flavors {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no flavor %q", name)
	return Flavor{}
}

// renderE renders the chart with terratest's helm module.
func renderE(t *testing.T, valuesFiles []string, setValues map[string]string) (string, error) {
	t.Helper()
	requireHelm(t)
	opts := &helm.Options{
		ValuesFiles:    valuesFiles,
		SetValues:      setValues,
		KubectlOptions: k8s.NewKubectlOptions("", "", namespace),
		Logger:         logger.Discard,
	}
	return helm.RenderTemplateE(t, opts, chartDir, releaseName, nil)
}

type rendered struct {
	manifest string
	objs     []Object
	err      error
}

var (
	renderMu    sync.Mutex
	renderCache = map[string]*rendered{}
)

// renderFlavor renders and strictly decodes a flavor once per test binary
// (several tests check the same output).
func renderFlavor(t *testing.T, f Flavor) (string, []Object) {
	t.Helper()
	requireHelm(t)
	renderMu.Lock()
	r, ok := renderCache[f.Name]
	renderMu.Unlock()
	if !ok {
		out, err := renderE(t, f.ValuesFiles, f.SetValues)
		r = &rendered{manifest: out}
		if err != nil {
			r.err = fmt.Errorf("helm template (%s): %w", f.Name, err)
		} else {
			r.objs, r.err = DecodeManifest(out)
		}
		renderMu.Lock()
		renderCache[f.Name] = r
		renderMu.Unlock()
	}
	if r.err != nil {
		t.Fatalf("%s: %v", f.Name, r.err)
	}
	return r.manifest, r.objs
}

// runHelm runs the helm binary directly (helm lint has no terratest helper).
func runHelm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	requireHelm(t)
	cmd := exec.Command(helmPath, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return string(out), fmt.Errorf("helm %s: %w", strings.Join(args, " "), err)
		}
		return string(out), err
	}
	return string(out), nil
}

// chartAppVersion reads appVersion from Chart.yaml.
func chartAppVersion(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		APIVersion string `json:"apiVersion"`
		AppVersion string `json:"appVersion"`
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	if c.APIVersion != "v2" {
		t.Errorf("Chart.yaml apiVersion = %q, want v2", c.APIVersion)
	}
	if c.AppVersion == "" {
		t.Fatal("Chart.yaml has no appVersion")
	}
	return c.AppVersion
}
