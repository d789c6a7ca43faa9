package charttests

import (
	"encoding/base64"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gruntwork-io/terratest/modules/helm"
	"github.com/gruntwork-io/terratest/modules/k8s"
	"github.com/gruntwork-io/terratest/modules/logger"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// The airdisplay-backing chart (Redis, RabbitMQ, their Secrets, static
// volumes), rendered with the kind environment's values files as both
// provisioners install it.
const (
	backingChartDir = "../airdisplay-backing"
	backingRelease  = "airdisplay-backing"
	kindValuesDir   = "../../infra/envs/kind/values"
)

var backingFlavors = []Flavor{
	{Name: "defaults"},
	{Name: "kind", ValuesFiles: []string{kindValuesDir + "/backing.yaml"}},
	{Name: "offline", ValuesFiles: []string{kindValuesDir + "/backing.yaml", kindValuesDir + "/offline.yaml"}},
}

func renderBacking(t *testing.T, f Flavor) []Object {
	t.Helper()
	out, err := renderBackingE(t, f.ValuesFiles, f.SetValues)
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	objs, err := DecodeManifest(out)
	if err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	return objs
}

func renderBackingE(t *testing.T, valuesFiles []string, set map[string]string) (string, error) {
	t.Helper()
	requireHelm(t)
	return helm.RenderTemplateE(t, &helm.Options{
		ValuesFiles: valuesFiles, SetValues: set, Logger: logger.Discard,
		KubectlOptions: k8s.NewKubectlOptions("", "", namespace),
	}, backingChartDir, backingRelease, nil)
}

func TestBackingRenderDecodesStrictly(t *testing.T) {
	for _, f := range backingFlavors {
		t.Run(f.Name, func(t *testing.T) {
			count := map[string]int{}
			for _, o := range renderBacking(t, f) {
				count[o.Type.Kind]++
			}
			pvs := 0
			if f.Name == "offline" {
				pvs = 3
			}
			want := map[string]int{"Deployment": 2, "Service": 2, "Secret": 2, "PersistentVolume": pvs}
			for kind, n := range want {
				if count[kind] != n {
					t.Errorf("%d %s objects, want %d", count[kind], kind, n)
				}
			}
			for kind, n := range count {
				if _, ok := want[kind]; !ok {
					t.Errorf("unexpected %d %s objects", n, kind)
				}
			}
		})
	}
}

// The Secret and Service names the airdisplay chart's kind flavor reads are
// the ones the backing chart makes; the URL points at the RabbitMQ Service.
func TestBackingRenderMatchesTheAirdisplayChart(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(chartDir, "values-kind.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var kind struct {
		Kind struct {
			RabbitMQ struct {
				Secret struct{ Name, Key string } `json:"secret"`
			} `json:"rabbitmq"`
			Redis struct {
				Host string `json:"host"`
				Port int    `json:"port"`
			} `json:"redis"`
		} `json:"kind"`
	}
	if err := yaml.Unmarshal(raw, &kind); err != nil {
		t.Fatal(err)
	}
	objs := renderBacking(t, backingFlavors[2])
	var url_ *corev1.Secret
	services := map[string]*corev1.Service{}
	for _, s := range Find[*corev1.Secret](objs) {
		if s.Name == kind.Kind.RabbitMQ.Secret.Name {
			url_ = s
		}
	}
	for _, s := range Find[*corev1.Service](objs) {
		services[s.Name] = s
	}
	if url_ == nil {
		t.Fatalf("no Secret %q", kind.Kind.RabbitMQ.Secret.Name)
	}
	enc, ok := url_.Data[kind.Kind.RabbitMQ.Secret.Key]
	if !ok {
		t.Fatalf("Secret %s has no key %s", url_.Name, kind.Kind.RabbitMQ.Secret.Key)
	}
	u, err := url.Parse(string(enc))
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	if u.Scheme != "amqp" || u.Host != "rabbitmq."+namespace+".svc.cluster.local:5672" || u.User.Username() != "airdisplay" || len(pw) != 32 {
		t.Errorf("AMQP URL %s", u.Redacted())
	}
	redis := services[kind.Kind.Redis.Host]
	if redis == nil || redis.Spec.Type != corev1.ServiceTypeClusterIP || redis.Spec.Ports[0].Port != int32(kind.Kind.Redis.Port) {
		t.Errorf("Redis Service %q (port %d) missing or not ClusterIP: %+v", kind.Kind.Redis.Host, kind.Kind.Redis.Port, redis)
	}
	if rmq := services["rabbitmq"]; rmq == nil || rmq.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Error("RabbitMQ must be a ClusterIP Service")
	}
	var creds *corev1.Secret
	for _, s := range Find[*corev1.Secret](objs) {
		if s.Name == "rabbitmq-credentials" {
			creds = s
		}
	}
	if creds == nil || string(creds.Data["password"]) != pw || string(creds.Data["username"]) != "airdisplay" {
		t.Error("the broker's credentials must be the URL's")
	}
}

// A password given (Terraform's random_password) is the one used.
func TestBackingRenderUsesAGivenPassword(t *testing.T) {
	out, err := renderBackingE(t, []string{kindValuesDir + "/backing.yaml"}, map[string]string{"rabbitmq.password": "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	want := base64.StdEncoding.EncodeToString([]byte("amqp://airdisplay:s3cret@rabbitmq." + namespace + ".svc.cluster.local:5672/"))
	if !strings.Contains(out, want) {
		t.Error("the given password is not in the AMQP URL")
	}
}

func TestBackingRenderHardensEveryPod(t *testing.T) {
	objs := renderBacking(t, backingFlavors[2])
	for _, d := range Find[*appsv1.Deployment](objs) {
		ps := d.Spec.Template.Spec
		if ps.SecurityContext == nil || ps.SecurityContext.RunAsNonRoot == nil || !*ps.SecurityContext.RunAsNonRoot ||
			ps.SecurityContext.RunAsUser == nil || *ps.SecurityContext.RunAsUser == 0 ||
			ps.SecurityContext.SeccompProfile == nil || ps.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: pod security context %+v", d.Name, ps.SecurityContext)
		}
		if ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken {
			t.Errorf("%s mounts a service account token", d.Name)
		}
		for _, c := range ps.Containers {
			sc := c.SecurityContext
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.Capabilities == nil || !hasCapability(sc.Capabilities.Drop, "ALL") {
				t.Errorf("%s/%s: container security context %+v", d.Name, c.Name, sc)
			}
			if c.ReadinessProbe == nil || c.LivenessProbe == nil || c.Resources.Requests.Memory().IsZero() {
				t.Errorf("%s/%s: probes and requests are required", d.Name, c.Name)
			}
			if !strings.HasPrefix(c.Image, "airdisplay.local/") || c.ImagePullPolicy != corev1.PullIfNotPresent {
				t.Errorf("%s/%s: image %s (%s), want the offline one, not pulled", d.Name, c.Name, c.Image, c.ImagePullPolicy)
			}
		}
		l := d.Spec.Template.Labels
		if l["app.kubernetes.io/part-of"] != "airdisplay" || l["app.kubernetes.io/instance"] != backingRelease || l["app.kubernetes.io/managed-by"] != "Helm" ||
			!selects(d.Spec.Selector.MatchLabels, l) {
			t.Errorf("%s: labels %v, selector %v", d.Name, l, d.Spec.Selector.MatchLabels)
		}
	}
}

// Static volumes take the claims of Dapr's scheduler on the offline node:
// three of the default StorageClass, each its own node directory.
func TestBackingRenderStaticVolumes(t *testing.T) {
	pvs := Find[*corev1.PersistentVolume](renderBacking(t, backingFlavors[2]))
	paths := map[string]bool{}
	for _, pv := range pvs {
		if pv.Spec.StorageClassName != "standard" || pv.Spec.HostPath == nil || pv.Spec.Capacity.Storage().String() != "1Gi" ||
			pv.Spec.AccessModes[0] != corev1.ReadWriteOnce {
			t.Errorf("PV %s: %+v", pv.Name, pv.Spec)
			continue
		}
		paths[pv.Spec.HostPath.Path] = true
	}
	if len(pvs) != 3 || len(paths) != 3 {
		t.Errorf("%d PVs on %d paths, want 3 on 3", len(pvs), len(paths))
	}
}

// The schema refuses what would break the services: guest, an unsafe
// password, an unknown key.
func TestBackingValuesSchemaRejects(t *testing.T) {
	for name, set := range map[string]map[string]string{
		"guest":         {"rabbitmq.username": "guest"},
		"password":      {"rabbitmq.password": "a@b"},
		"unknown key":   {"redis.imagee": "x"},
		"relative path": {"staticVolumes.hostPath": "var/x"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := renderBackingE(t, nil, set); err == nil {
				t.Errorf("%v was accepted", set)
			}
		})
	}
}

func TestBackingLint(t *testing.T) {
	for _, f := range backingFlavors {
		t.Run(f.Name, func(t *testing.T) {
			args := []string{"lint", backingChartDir, "--strict", "--namespace", namespace}
			for _, vf := range f.ValuesFiles {
				args = append(args, "--values", vf)
			}
			out, err := runHelm(t, args...)
			if err != nil || !strings.Contains(out, "0 chart(s) failed") || strings.Contains(out, "[WARNING]") || strings.Contains(out, "[ERROR]") {
				t.Fatalf("%v\n%s", err, out)
			}
		})
	}
}

// Every value of the chart and of the kind values files is documented.
func TestBackingValuesDocumented(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(backingChartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	docs, err := ParseValuesDoc(raw)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(backingChartDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if strings.TrimSpace(d.Description) == "" {
			t.Errorf("%s: empty description", d.Path)
		}
		top := strings.SplitN(d.Path, ".", 3)
		key := top[0]
		if len(top) > 1 {
			key += "." + top[1]
		}
		if !strings.Contains(string(readme), "`"+key) {
			t.Errorf("%s is not in the chart's README", d.Path)
		}
	}
}
