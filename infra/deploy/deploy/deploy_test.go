package deploy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// copyDir copies a Terraform root so that .terraform and state land in a
// temporary directory, never in the repository.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(src, "*.tf"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// The deployer, end to end with the real terraform binary, on a fixture
// environment made only of terraform_data: init, apply, outputs read, Helm
// values produced, destroy.
func TestDeployerDrivesTerraformEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Fatal("terraform not on PATH: the deployer needs it (Terraform >= 1.9)")
	}
	ctx := context.Background()
	dir := copyDir(t, "../testdata/fixture")
	t.Setenv("TF_IN_AUTOMATION", "1")
	d, err := New(Config{EnvDir: dir, RepoRoot: "../../..", Vars: map[string]string{"name_prefix": "adtest"}, ImageTag: "1.2.3", Stdout: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := d.Destroy(ctx); err != nil {
			t.Errorf("destroy: %v", err)
		}
		state, err := d.tf.Show(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if state.Values != nil && len(state.Values.RootModule.Resources) > 0 {
			t.Errorf("resources left after destroy: %d", len(state.Values.RootModule.Resources))
		}
	}()
	if err := d.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if changes, err := d.Plan(ctx); err != nil || !changes {
		t.Fatalf("plan: changes %v, err %v", changes, err)
	}
	o, err := d.Apply(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if o.Flavor != "azure" || o.ClusterName != "adtest-aks" || o.RedisPort != 10000 || o.RedisClusteringPolicy != "OSSCluster" ||
		o.BannerEventsTopic != "banner-updated" || o.JobsQueueName != "jobs" || !strings.HasPrefix(o.ProducerClientID, "00000000-0000-4000-8000-") {
		t.Fatalf("outputs: %+v", o)
	}
	raw, err := HelmValues(o, "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(raw, &values); err != nil {
		t.Fatal(err)
	}
	assertValues(t, values, o)
}

// A wrong variable fails with Terraform's own message, not a panic.
func TestDeployerReportsTerraformErrors(t *testing.T) {
	dir := copyDir(t, "../testdata/fixture")
	d, err := New(Config{EnvDir: dir, Vars: map[string]string{"name_prefix": "Bad Prefix"}, Stdout: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := d.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Apply(ctx); err == nil || !strings.Contains(err.Error(), "name_prefix must be") {
		t.Fatalf("apply with a bad prefix: %v", err)
	}
}

// Missing outputs are named, all at once.
func TestMissingOutputsAreNamed(t *testing.T) {
	_, err := ParseOutputs(nil)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, name := range OutputNames {
		if !strings.Contains(err.Error(), `"`+name+`"`) {
			t.Errorf("error does not name %s", name)
		}
	}
}

// Prerequisites are checked before anything changes, naming what is missing.
func TestPrerequisitesAreNamed(t *testing.T) {
	d, err := New(Config{Env: "azure", RepoRoot: "../../..", EnvDir: t.TempDir(), HelmPath: "/bin/true"})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ARM_SUBSCRIPTION_ID", "")
	t.Setenv("ARM_TENANT_ID", "")
	if err := d.CheckPrerequisites(context.Background()); err == nil || !strings.Contains(err.Error(), "ARM_SUBSCRIPTION_ID") {
		t.Errorf("azure without credentials: %v", err)
	}
	k, err := New(Config{Env: "kind", RepoRoot: "../../..", EnvDir: t.TempDir(), HelmPath: "/bin/true"})
	if err != nil {
		t.Fatal(err)
	}
	// The engine itself is found or started with the cluster; what must be
	// there first is the docker CLI kind drives it with.
	t.Setenv("PATH", t.TempDir())
	if err := k.CheckPrerequisites(context.Background()); err == nil || !strings.Contains(err.Error(), "Docker") {
		t.Errorf("kind without the docker CLI: %v", err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
