package charttests

import (
	"strings"
	"testing"

	daprsubscriptions "github.com/dapr/dapr/pkg/apis/subscriptions/v2alpha1"
	appsv1 "k8s.io/api/apps/v1"
)

const validDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
spec:
  selector:
    matchLabels: {app: demo}
  template:
    metadata:
      labels: {app: demo}
    spec:
      containers:
        - name: demo
          image: demo:1
          ports:
            - containerPort: 8080
`

// TestStrictDecoderRejectsMisspelledFields proves the decoder the render
// tests rely on fails on a field the Go type does not have, whatever the
// kind, on a field with the wrong case, on duplicate keys and on unknown kinds.
func TestStrictDecoderRejectsMisspelledFields(t *testing.T) {
	if _, err := DecodeDocument([]byte(validDeployment)); err != nil {
		t.Fatalf("valid Deployment rejected: %v", err)
	}
	cases := []struct {
		name, doc, wantErr string
	}{
		{
			name:    "misspelled Deployment field",
			doc:     strings.Replace(validDeployment, "containerPort:", "containerPrt:", 1),
			wantErr: `unknown field "containerPrt"`,
		},
		{
			name:    "wrong-case Deployment field",
			doc:     strings.Replace(validDeployment, "containerPort:", "containerport:", 1),
			wantErr: `unknown field "spec.template.spec.containers[0].ports[0].containerport"`,
		},
		{
			name:    "duplicate key",
			doc:     validDeployment + "  replicas: 1\n  replicas: 2\n",
			wantErr: `key "replicas" already set in map`,
		},
		{
			name: "misspelled Dapr Component field",
			doc: `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: jobs}
spec:
  type: pubsub.rabbitmq
  version: v1
  metadata:
    - name: deletedWhenUnused
      value: "false"
scope: [producer]
`,
			wantErr: `unknown field "scope"`,
		},
		{
			name: "misspelled Dapr metadata item field",
			doc: `
apiVersion: dapr.io/v1alpha1
kind: Component
metadata: {name: jobs}
spec:
  type: pubsub.rabbitmq
  version: v1
  metadata:
    - name: connectionString
      secretKeyRf: {name: s, key: k}
`,
			wantErr: `unknown field "secretKeyRf"`,
		},
		{
			name: "misspelled KEDA ScaledObject field",
			doc: `
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: consumer}
spec:
  scaleTargetRef: {name: consumer}
  minReplicas: 0
  triggers: []
`,
			wantErr: `unknown field "minReplicas"`,
		},
		{
			name: "Resiliency retry field the Kubernetes type lacks",
			doc: `
apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata: {name: r}
spec:
  policies:
    retries:
      r: {policy: exponential, initialInterval: 200ms}
  targets: {}
`,
			wantErr: `unknown field "initialInterval"`,
		},
		{
			name:    "unknown kind",
			doc:     "apiVersion: v1\nkind: ConfigMapp\nmetadata: {name: x}\n",
			wantErr: "unrecognised kind v1/ConfigMapp",
		},
		{
			name:    "known kind under the wrong apiVersion",
			doc:     "apiVersion: apps/v1beta1\nkind: Deployment\nmetadata: {name: x}\n",
			wantErr: "unrecognised kind apps/v1beta1/Deployment",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeDocument([]byte(c.doc))
			if err == nil {
				t.Fatalf("decoded without error; want %q", c.wantErr)
			}
			if !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %q does not mention %q", err, c.wantErr)
			}
		})
	}
}

// TestStrictDecoderRejectsTypoInRenderedChart injects a typo into the real
// rendered consumer Deployment: the manifest must then fail to decode.
func TestStrictDecoderRejectsTypoInRenderedChart(t *testing.T) {
	manifest, _ := renderFlavor(t, flavorByName(t, "kind"))
	broken := strings.Replace(manifest, "terminationGracePeriodSeconds:", "terminationGracePeriodSecond:", 1)
	if broken == manifest {
		t.Fatal("rendered manifest has no terminationGracePeriodSeconds")
	}
	_, err := DecodeManifest(broken)
	if err == nil || !strings.Contains(err.Error(), `unknown field "spec.template.spec.terminationGracePeriodSecond"`) &&
		!strings.Contains(err.Error(), `unknown field "terminationGracePeriodSecond"`) {
		t.Fatalf("typo not rejected: %v", err)
	}
}

// TestDecoderKnowsEveryRegisteredKind decodes a minimal object of each
// registered kind (including the Subscription the chart does not render:
// banner-actor subscribes programmatically).
func TestDecoderKnowsEveryRegisteredKind(t *testing.T) {
	for key := range Registry {
		doc := "apiVersion: " + key.APIVersion + "\nkind: " + key.Kind + "\nmetadata:\n  name: x\n"
		obj, err := DecodeDocument([]byte(doc))
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		if obj.Type != key || obj.Name != "x" {
			t.Errorf("%s: decoded as %v", key, obj)
		}
	}
	sub, err := DecodeDocument([]byte(`
apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata: {name: banner-updated}
spec:
  pubsubname: pubsub
  topic: banner-updated
  routes:
    default: /events/banner-updated
scopes: [banner-actor]
`))
	if err != nil {
		t.Fatal(err)
	}
	if s := sub.Obj.(*daprsubscriptions.Subscription); s.Spec.Topic != "banner-updated" || s.Scopes[0] != "banner-actor" {
		t.Errorf("Subscription decoded as %+v", s)
	}
	d, err := DecodeDocument([]byte(validDeployment))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Obj.(*appsv1.Deployment).Spec.Template.Spec.Containers[0].Ports[0].ContainerPort; got != 8080 {
		t.Errorf("containerPort = %d", got)
	}
}
