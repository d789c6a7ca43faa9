package charttests

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	corev1 "k8s.io/api/core/v1"
)

var update = flag.Bool("update", false, "rewrite the values table of helm/README.md from values.yaml")

const (
	tableStart = "<!-- values-table:start -->"
	tableEnd   = "<!-- values-table:end -->"
)

// TestValuesDocumented: every value of values.yaml and of the flavor
// values files has a `# --` comment (a map may be documented by its children).
func TestValuesDocumented(t *testing.T) {
	for _, name := range []string{"values.yaml", "values-kind.yaml", "values-azure.yaml"} {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(chartDir, name))
			if err != nil {
				t.Fatal(err)
			}
			docs, err := ParseValuesDoc(raw)
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) == 0 {
				t.Fatal("no documented values")
			}
			for _, d := range docs {
				if strings.TrimSpace(d.Description) == "" {
					t.Errorf("%s: empty description", d.Path)
				}
			}
		})
	}
}

// TestReadmeValuesTable: helm/README.md holds the values table generated
// from values.yaml (every value, its default and description). Run
// `go test -run TestReadmeValuesTable -update` to regenerate it.
func TestReadmeValuesTable(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	docs, err := ParseValuesDoc(raw)
	if err != nil {
		t.Fatal(err)
	}
	table := ValuesTable(docs)
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	i, j := strings.Index(s, tableStart), strings.Index(s, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no %s ... %s section", readmePath, tableStart, tableEnd)
	}
	current := strings.TrimSpace(s[i+len(tableStart) : j])
	if current == strings.TrimSpace(table) {
		return
	}
	if *update {
		s = s[:i+len(tableStart)] + "\n" + table + s[j:]
		if err := os.WriteFile(readmePath, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote the values table of %s", readmePath)
		return
	}
	t.Errorf("the values table of %s is out of date with values.yaml; run: go test -run TestReadmeValuesTable -update", readmePath)
}

// TestReadmeDocumentsExternalResources: every Secret or ServiceAccount the
// chart expects the environment to provide is named in helm/README.md.
func TestReadmeDocumentsExternalResources(t *testing.T) {
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	for flavor, list := range externallyProvided {
		for _, e := range list {
			if !strings.Contains(string(readme), "`"+e.Name+"`") {
				t.Errorf("%s: %s %s (provided by %s) is not documented in %s", flavor, e.Kind, e.Name, e.ProvidedBy, readmePath)
			}
		}
	}
}

// TestValuesSchema: values.schema.json is draft-07, closed at the top, and
// helm rejects misspelled or unsafe values with it.
func TestValuesSchema(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Schema               string `json:"$schema"`
		AdditionalProperties *bool  `json:"additionalProperties"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	if schema.Schema != "http://json-schema.org/draft-07/schema#" {
		t.Errorf("$schema = %q, want draft-07", schema.Schema)
	}
	if schema.AdditionalProperties == nil || *schema.AdditionalProperties {
		t.Error("top-level additionalProperties is not false")
	}
	cases := []struct {
		name    string
		set     map[string]string
		wantErr string
	}{
		{"misspelled top-level value", map[string]string{"flavour": "kind"}, "Additional property flavour is not allowed"},
		{"misspelled service value", map[string]string{"services.producer.replicaCont": "2"}, "Additional property replicaCont is not allowed"},
		{"unknown flavor", map[string]string{"flavor": "aws"}, "flavor"},
		{"root container", map[string]string{"securityContext.runAsNonRoot": "false"}, "runAsNonRoot"},
		{"writable root filesystem", map[string]string{"securityContext.readOnlyRootFilesystem": "false"}, "readOnlyRootFilesystem"},
		{"initialInterval (not in Dapr's Resiliency type)", map[string]string{"dapr.resiliency.policies.retries.storeRetry.initialInterval": "50ms"}, "initialInterval"},
		{"bad client id", map[string]string{"azure.workloadIdentity.kedaClientId": "not-a-uuid"}, "kedaClientId"},
		{"unknown component", map[string]string{"services.producer.components[0]": "cache"}, "components"},
		{"subscription auto-delete below Dapr's minimum", map[string]string{"azure.serviceBus.subscriptionAutoDeleteOnIdleInSec": "60"}, "subscriptionAutoDeleteOnIdleInSec"},
		{"bad topic name", map[string]string{"azure.serviceBus.bannerEventsTopic": "-banner"}, "bannerEventsTopic"},
		{"prefetchCount above Dapr's uint8", map[string]string{"kind.rabbitmq.prefetchCount": "300"}, "prefetchCount"},
		{"a binding's value", map[string]string{"kind.rabbitmq.deleteWhenUnused": "false"}, "deleteWhenUnused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := renderE(t, nil, c.set)
			if err == nil {
				t.Fatalf("rendered with %v; want an error mentioning %q", c.set, c.wantErr)
			}
			if !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error does not mention %q:\n%v", c.wantErr, err)
			}
		})
	}
}

// TestChartRejectsInconsistentValues: the chart's own checks (validate.yaml)
// stop combinations the schema cannot express.
func TestChartRejectsInconsistentValues(t *testing.T) {
	azure := flavorByName(t, "azure")
	cases := []struct {
		name        string
		valuesFiles []string
		set         map[string]string
		wantErr     []string
	}{
		{
			name:        "azure without the deployer's values",
			valuesFiles: azure.ValuesFiles,
			wantErr: []string{
				"image.registry", "azure.serviceBus.namespaceFQDN", "azure.redis.host",
				"azure.workloadIdentity.clientIds.producer", "azure.workloadIdentity.clientIds.consumer",
				"azure.workloadIdentity.clientIds.banner-actor", "azure.workloadIdentity.kedaClientId",
			},
		},
		{
			name:    "HPA on the KEDA-scaled consumer",
			set:     map[string]string{"services.consumer.autoscaling.enabled": "true"},
			wantErr: []string{"conflicts with keda.service"},
		},
		{
			name:    "sidecar shutdown longer than the grace period",
			set:     map[string]string{"services.consumer.dapr.gracefulShutdownSeconds": "90"},
			wantErr: []string{"gracefulShutdownSeconds must be below terminationGracePeriodSeconds"},
		},
		{
			name:    "KEDA on a service without the jobs pub/sub",
			set:     map[string]string{"keda.service": "banner-actor", "services.banner-actor.autoscaling.enabled": "false"},
			wantErr: []string{"does not use the jobs pub/sub"},
		},
		{
			name:    "existing token Secrets not named",
			set:     map[string]string{"apiTokens.create": "false"},
			wantErr: []string{"apiTokens.existingSecret"},
		},
		{
			name:    "duplicate app id",
			set:     map[string]string{"services.consumer.appId": "producer"},
			wantErr: []string{"is used by another service"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := renderE(t, c.valuesFiles, c.set)
			if err == nil {
				t.Fatal("rendered without error")
			}
			for _, w := range c.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestDisabledServiceLeavesNoDanglingScopes: without the banner-actor, the
// components only it uses are not rendered (an unscoped component would be
// visible to every app) and nothing refers to it.
func TestDisabledServiceLeavesNoDanglingScopes(t *testing.T) {
	out, err := renderE(t, nil, map[string]string{"services.banner-actor.enabled": "false"})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := DecodeManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"statestore", "pubsub"} {
		if componentByName(objs, name) != nil {
			t.Errorf("component %s rendered without its only user", name)
		}
	}
	if strings.Contains(out, "banner-actor") {
		t.Error("manifest still mentions banner-actor")
	}
}

// TestKindCanCreateTheAMQPSecret: without Terraform's Secret, the chart can
// create the AMQP URL Secret; the jobs pub/sub and KEDA then read the chart's Secret.
func TestKindCanCreateTheAMQPSecret(t *testing.T) {
	url := "amqp://airdisplay:s3cret@rabbitmq:5672/"
	out, err := renderE(t, nil, map[string]string{
		"kind.rabbitmq.secret.create": "true",
		"kind.rabbitmq.secret.url":    url,
	})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := DecodeManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, s := range Find[*corev1.Secret](objs) {
		if s.Name == "airdisplay-rabbitmq" {
			found = string(s.Data["RABBITMQ_URL"]) == url
		}
	}
	if !found {
		t.Fatal("no Secret airdisplay-rabbitmq with the AMQP URL under RABBITMQ_URL")
	}
	conn, _ := metadataItem(componentByName(objs, "jobs"), "connectionString")
	ta := Find[*kedav1alpha1.TriggerAuthentication](objs)
	if conn.SecretName != "airdisplay-rabbitmq" || len(ta) != 1 || ta[0].Spec.SecretTargetRef[0].Name != "airdisplay-rabbitmq" {
		t.Errorf("jobs connectionString from %q, KEDA from %+v", conn.SecretName, ta)
	}
	if _, err := renderE(t, nil, map[string]string{"kind.rabbitmq.secret.create": "true"}); err == nil ||
		!strings.Contains(err.Error(), "kind.rabbitmq.secret.url is required") {
		t.Errorf("create without url: %v", err)
	}
}
