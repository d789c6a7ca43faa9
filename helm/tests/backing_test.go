package charttests

import (
	"encoding/base64"
	"encoding/json"
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
			want := map[string]int{"Deployment": 2, "Service": 2, "Secret": 2, "ConfigMap": 1, "PersistentVolume": pvs}
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

// rabbitmqDefinitions is the definitions file format (RabbitMQ's
// definitions import) restricted to what the backing chart may declare:
// decoding with DisallowUnknownFields refuses users, vhosts, permissions,
// policies and any field of an exchange, queue or binding not listed here.
type rabbitmqDefinitions struct {
	Exchanges []struct {
		Name       string         `json:"name"`
		Vhost      string         `json:"vhost"`
		Type       string         `json:"type"`
		Durable    bool           `json:"durable"`
		AutoDelete bool           `json:"auto_delete"`
		Internal   bool           `json:"internal"`
		Arguments  map[string]any `json:"arguments"`
	} `json:"exchanges"`
	Queues []struct {
		Name       string         `json:"name"`
		Vhost      string         `json:"vhost"`
		Durable    bool           `json:"durable"`
		AutoDelete bool           `json:"auto_delete"`
		Arguments  map[string]any `json:"arguments"`
	} `json:"queues"`
	Bindings []struct {
		Source          string         `json:"source"`
		Vhost           string         `json:"vhost"`
		Destination     string         `json:"destination"`
		DestinationType string         `json:"destination_type"`
		RoutingKey      string         `json:"routing_key"`
		Arguments       map[string]any `json:"arguments"`
	} `json:"bindings"`
}

// jobQueueTopology decodes the definitions ConfigMap and checks the
// broker's postStart hook imports it: it returns the definitions and the
// hook's shell script.
func jobQueueTopology(t *testing.T, objs []Object) (rabbitmqDefinitions, string) {
	t.Helper()
	var cm *corev1.ConfigMap
	for _, c := range Find[*corev1.ConfigMap](objs) {
		if c.Name == "rabbitmq-definitions" {
			cm = c
		}
	}
	if cm == nil {
		t.Fatal("no ConfigMap rabbitmq-definitions")
	}
	if len(cm.Data) != 1 {
		t.Errorf("ConfigMap %s holds %d files, want definitions.json only", cm.Name, len(cm.Data))
	}
	var defs rabbitmqDefinitions
	dec := json.NewDecoder(strings.NewReader(cm.Data["definitions.json"]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&defs); err != nil {
		t.Fatalf("definitions.json: %v", err)
	}
	var broker *appsv1.Deployment
	for _, d := range Find[*appsv1.Deployment](objs) {
		if d.Name == "rabbitmq" {
			broker = d
		}
	}
	if broker == nil {
		t.Fatal("no rabbitmq Deployment")
	}
	spec := broker.Spec.Template.Spec
	var mountDir string
	for _, v := range spec.Volumes {
		if v.ConfigMap == nil || v.ConfigMap.Name != cm.Name {
			continue
		}
		for _, m := range spec.Containers[0].VolumeMounts {
			if m.Name == v.Name {
				mountDir = m.MountPath
				if !m.ReadOnly {
					t.Errorf("definitions mounted writable at %s", m.MountPath)
				}
			}
		}
	}
	if mountDir == "" {
		t.Fatalf("the rabbitmq container does not mount ConfigMap %s", cm.Name)
	}
	c := spec.Containers[0]
	if c.Lifecycle == nil || c.Lifecycle.PostStart == nil || c.Lifecycle.PostStart.Exec == nil {
		t.Fatalf("the rabbitmq container has no postStart exec hook: %+v", c.Lifecycle)
	}
	cmd := c.Lifecycle.PostStart.Exec.Command
	if len(cmd) != 3 || cmd[0] != "/bin/sh" || cmd[1] != "-c" {
		t.Fatalf("postStart command %q, want /bin/sh -c <script>", cmd)
	}
	script := cmd[2]
	wait := strings.Index(script, "rabbitmqctl -q await_startup --timeout ")
	imp := strings.Index(script, "rabbitmqctl -q import_definitions "+mountDir+"/definitions.json")
	if wait < 0 || imp < wait {
		t.Errorf("postStart script does not await the broker's startup, then import %s/definitions.json:\n%s", mountDir, script)
	}
	if !strings.Contains(script, "date +%s") || !strings.Contains(script, "exit 1") {
		t.Errorf("postStart script has no deadline:\n%s", script)
	}
	// Importing at boot would skip the default user.
	for _, e := range c.Env {
		if strings.Contains(e.Name, "DEFINITIONS") || strings.Contains(e.Value, "load_definitions") {
			t.Errorf("env %s=%q: definitions must not be loaded at boot", e.Name, e.Value)
		}
	}
	if broker.Spec.Template.Annotations["checksum/definitions"] == "" {
		t.Error("no checksum/definitions annotation: a new queue name would not restart the broker, whose hook imports on start only")
	}
	return defs, script
}

// The broker declares at start exactly the topology Dapr's pubsub.rabbitmq
// declares for topic <q> with subscription queueName <q> (the airdisplay
// chart's kind jobs component: durable, deletedWhenUnused false, fanout):
// a job published before the first consumer subscribes, while KEDA keeps it
// at zero replicas, lands in the queue instead of being dropped.
func TestBackingDeclaresTheJobQueue(t *testing.T) {
	for _, c := range []struct {
		name, queue string
		flavor      Flavor
	}{
		{"kind", "jobs", backingFlavors[1]},
		{"offline", "jobs", backingFlavors[2]},
		{"renamed", "jobs-renamed", Flavor{ValuesFiles: backingFlavors[1].ValuesFiles, SetValues: map[string]string{"rabbitmq.jobsQueue": "jobs-renamed"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			defs, _ := jobQueueTopology(t, renderBacking(t, c.flavor))
			if len(defs.Exchanges) != 1 || len(defs.Queues) != 1 || len(defs.Bindings) != 1 {
				t.Fatalf("%d exchanges, %d queues, %d bindings; want one each", len(defs.Exchanges), len(defs.Queues), len(defs.Bindings))
			}
			x, q, b := defs.Exchanges[0], defs.Queues[0], defs.Bindings[0]
			if x.Name != c.queue || x.Vhost != "/" || x.Type != "fanout" || !x.Durable || x.AutoDelete || x.Internal || len(x.Arguments) != 0 {
				t.Errorf("exchange %+v, want %s on / fanout, durable, not auto-deleted, not internal, no arguments", x, c.queue)
			}
			if q.Name != c.queue || q.Vhost != "/" || !q.Durable || q.AutoDelete ||
				len(q.Arguments) != 1 || q.Arguments["x-queue-type"] != "classic" {
				t.Errorf("queue %+v, want %s on / durable, not auto-deleted, arguments {x-queue-type: classic} alone", q, c.queue)
			}
			if b.Source != c.queue || b.Destination != c.queue || b.DestinationType != "queue" || b.Vhost != "/" || b.RoutingKey != "" || len(b.Arguments) != 0 {
				t.Errorf("binding %+v, want queue %s bound to exchange %s with routing key \"\"", b, c.queue, c.queue)
			}
		})
	}
	t.Run("a queue name the broker reserves is refused", func(t *testing.T) {
		if _, err := renderBackingE(t, nil, map[string]string{"rabbitmq.jobsQueue": "amq.jobs"}); err == nil {
			t.Error("amq.jobs was accepted")
		}
	})
}

// The backing chart's job queue is the airdisplay chart's jobsQueue.name
// (its default; the deployer and Terraform pass jobs_queue_name to both).
func TestBackingJobQueueIsTheAirdisplayChartsQueue(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var app struct {
		JobsQueue struct{ Name string } `json:"jobsQueue"`
	}
	if err := yaml.Unmarshal(raw, &app); err != nil {
		t.Fatal(err)
	}
	defs, _ := jobQueueTopology(t, renderBacking(t, backingFlavors[0]))
	if app.JobsQueue.Name == "" || len(defs.Queues) != 1 || defs.Queues[0].Name != app.JobsQueue.Name {
		t.Errorf("backing queue %+v, airdisplay jobsQueue.name %q", defs.Queues, app.JobsQueue.Name)
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
