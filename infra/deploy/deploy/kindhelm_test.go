package deploy

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airdisplay/platform/infra/deploy/kindreleases"
)

const (
	kindEnvDir = "../../envs/kind"
	repoRoot   = "../../.."
)

func TestParseProvisioner(t *testing.T) {
	for in, want := range map[string]Provisioner{"": ProvisionerTerraform, "terraform": ProvisionerTerraform, " Helm ": ProvisionerHelm, "helm": ProvisionerHelm} {
		got, err := ParseProvisioner(in)
		if err != nil || got != want {
			t.Errorf("ParseProvisioner(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseProvisioner("pulumi"); err == nil || !strings.Contains(err.Error(), ProvisionerEnv) {
		t.Errorf("pulumi: err = %v, want one naming %s", err, ProvisionerEnv)
	}
}

// The Helm provisioner needs no Terraform; azure ignores KIND_PROVISIONER.
func TestProvisionerSelection(t *testing.T) {
	d, err := New(Config{Env: "kind", RepoRoot: repoRoot, KindProvisioner: ProvisionerHelm, TerraformPath: "/nonexistent/terraform"})
	if err != nil {
		t.Fatalf("kind with helm: %v", err)
	}
	if d.tf != nil || !d.cfg.UsesHelmProvisioner() {
		t.Fatal("kind with helm must not set up Terraform")
	}
	if _, err := d.Plan(t.Context()); err == nil {
		t.Error("plan with the helm provisioner must say it is Terraform's")
	}
	if err := d.Init(t.Context()); err != nil {
		t.Errorf("Init with the helm provisioner: %v", err)
	}
	if (Config{Env: "azure", KindProvisioner: ProvisionerHelm}).UsesHelmProvisioner() {
		t.Error("azure must not use the kind Helm provisioner")
	}
	if (Config{Env: "kind"}).UsesHelmProvisioner() {
		t.Error("the default provisioner must be terraform")
	}
	if _, err := New(Config{Env: "kind", RepoRoot: repoRoot, KindProvisioner: "ansible"}); err == nil {
		t.Error("an unknown provisioner was accepted")
	}
	t.Setenv(ProvisionerEnv, "helm")
	if d, err := New(Config{Env: "kind", RepoRoot: repoRoot, TerraformPath: "/nonexistent/terraform"}); err != nil || !d.cfg.UsesHelmProvisioner() {
		t.Errorf("%s=helm must pick the helm provisioner when Config leaves it unset (err %v)", ProvisionerEnv, err)
	}
}

func TestKindReleasesFollowTerraformsOrderAndFiles(t *testing.T) {
	pins, err := kindreleases.ReadPins(kindEnvDir)
	if err != nil {
		t.Fatal(err)
	}
	rs := KindReleases(kindEnvDir, repoRoot, "/cache/dapr", "/cache/keda", pins, "airdisplay", "jobs-renamed", true)
	var names []string
	for _, r := range rs {
		names = append(names, r.Name+"@"+r.Namespace)
		for _, f := range r.ValuesFiles {
			if _, err := os.Stat(f); err != nil {
				t.Errorf("%s: values file %v", r.Name, err)
			}
		}
	}
	if want := []string{"keda@keda", "airdisplay-backing@airdisplay", "dapr@dapr-system"}; !slices.Equal(names, want) {
		t.Fatalf("releases %v, want %v (Terraform's order: the scheduler's volumes before Dapr)", names, want)
	}
	if rs[0].Chart != "/cache/keda" || rs[2].Chart != "/cache/dapr" || filepath.Base(rs[1].Chart) != "airdisplay-backing" {
		t.Errorf("charts: %s, %s, %s", rs[0].Chart, rs[1].Chart, rs[2].Chart)
	}
	if got := filepath.Base(rs[1].ValuesFiles[len(rs[1].ValuesFiles)-1]); got != "offline.yaml" {
		t.Errorf("offline backing values end with %s, want offline.yaml", got)
	}
	if !slices.Contains(rs[2].Set, "global.tag="+pins.Dapr.Version) {
		t.Errorf("Dapr's module chart must get its image tag: %v", rs[2].Set)
	}
	// The broker declares the queue the airdisplay chart's jobsQueue.name
	// names (as Terraform's helm_release.backing sets it), as a string.
	if !slices.Equal(rs[1].SetString, []string{"rabbitmq.jobsQueue=jobs-renamed"}) || len(rs[1].Set) != 0 {
		t.Errorf("backing release: --set %v, --set-string %v; want rabbitmq.jobsQueue=jobs-renamed as a string", rs[1].Set, rs[1].SetString)
	}
	online := KindReleases(kindEnvDir, repoRoot, "d", "k", pins, "airdisplay", "jobs", false)
	if len(online[1].ValuesFiles) != 1 {
		t.Errorf("an upstream node must not get offline.yaml: %v", online[1].ValuesFiles)
	}
}

func TestHelmArgs(t *testing.T) {
	got := HelmArgs(Release{Name: "dapr", Namespace: "dapr-system", Chart: "/c", ValuesFiles: []string{"a.yaml", "b.yaml"}, Set: []string{"x=1"}, SetString: []string{"q=007"}, Timeout: 15 * time.Minute}, "/k")
	want := []string{"upgrade", "--install", "dapr", "/c", "--namespace", "dapr-system", "--create-namespace",
		"-f", "a.yaml", "-f", "b.yaml", "--set", "x=1", "--set-string", "q=007", "--wait", "--timeout", "15m0s", "--kubeconfig", "/k"}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
	if got := HelmArgs(Release{Name: "r", Namespace: "n", Chart: "c"}, ""); !slices.Contains(got, "10m0s") || slices.Contains(got, "--kubeconfig") {
		t.Errorf("defaults: %v", got)
	}
}

// The Helm provisioner's outputs are Terraform's, from the same files.
func TestKindOutputs(t *testing.T) {
	o, err := KindOutputs(kindEnvDir, repoRoot, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Outputs{Flavor: "kind", ClusterName: "airdisplay", RegistryLoginServer: "kind.local", Namespace: "airdisplay",
		JobsQueueName: "jobs", RedisHost: "redis.airdisplay.svc.cluster.local", RedisPort: 6379}
	if o != want {
		t.Fatalf("outputs\n%+v, want\n%+v", o, want)
	}
	o, err = KindOutputs(kindEnvDir, repoRoot, map[string]string{"namespace": "ad2", "cluster_name": "c2", "kubeconfig_path": "/x"})
	if err != nil || o.Namespace != "ad2" || o.ClusterName != "c2" || o.RedisHost != "redis.ad2.svc.cluster.local" {
		t.Fatalf("with -var: %+v, %v", o, err)
	}
}

func TestTerraformDefaults(t *testing.T) {
	dir := t.TempDir()
	tf := `variable "s" {
  type    = string
  default = "x"
}
variable "n" {
  type    = number
  default = 3
}
variable "b" {
  type    = bool
  default = true
}
variable "null" {
  type    = string
  default = null
}
variable "none" { type = string }
`
	if err := os.WriteFile(filepath.Join(dir, "variables.tf"), []byte(tf), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := TerraformDefaults(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"s": "x", "n": "3", "b": "true"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestStaticVolumeDirs(t *testing.T) {
	v, err := kindreleases.ReadValues(repoRoot+"/helm/airdisplay-backing/values.yaml", kindEnvDir+"/values/backing.yaml", kindEnvDir+"/values/offline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := StaticVolumeDirs(v)
	if err != nil || len(dirs) != 3 || dirs[0] != "/var/local/airdisplay-volumes/volume-0" {
		t.Fatalf("dirs %v, %v", dirs, err)
	}
	off, _ := kindreleases.ReadValues(repoRoot + "/helm/airdisplay-backing/values.yaml")
	if dirs, err := StaticVolumeDirs(off); err != nil || dirs != nil {
		t.Fatalf("off: %v, %v", dirs, err)
	}
	if _, err := StaticVolumeDirs(map[string]any{"staticVolumes": map[string]any{"enabled": true, "count": 1.0, "hostPath": "rel"}}); err == nil {
		t.Error("a relative hostPath was accepted")
	}
}
