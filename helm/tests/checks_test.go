package charttests

import (
	"fmt"
	"sort"
	"strings"

	daprcomponents "github.com/dapr/dapr/pkg/apis/components/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// serviceKeys are the keys of the chart's services map.
var serviceKeys = []string{"producer", "consumer", "banner-actor"}

// appIDs of the services (values services.<key>.appId).
var appIDs = map[string]string{"producer": "producer", "consumer": "consumer", "banner-actor": "banner-actor"}

// clientIDs the azure flavor is rendered with, per service key.
var clientIDs = map[string]string{
	"producer": producerClientID, "consumer": consumerClientID, "banner-actor": bannerActorClientID,
}

// wantScopes is which apps may load each component.
var wantScopes = map[string][]string{
	"jobs":       {"consumer", "producer"},
	"jobstore":   {"consumer", "producer"},
	"statestore": {"banner-actor"},
	"pubsub":     {"banner-actor"},
}

// ExternalResource is a Secret or ServiceAccount the chart references but
// does not render: the environment provides it. Every entry must be
// documented in helm/README.md (TestReadmeDocumentsExternalResources).
type ExternalResource struct {
	Kind, Name, ProvidedBy string
}

// externallyProvided lists, per flavor, the only objects pods, components
// and KEDA objects may reference without the chart rendering them.
var externallyProvided = map[string][]ExternalResource{
	"defaults": {
		{"Secret", "airdisplay-rabbitmq", "Terraform infra/envs/kind (AMQP URL under key RABBITMQ_URL)"},
	},
	"kind": {
		{"Secret", "airdisplay-rabbitmq", "Terraform infra/envs/kind (AMQP URL under key RABBITMQ_URL)"},
	},
	"azure": {
		{"Secret", "airdisplay-dapr-api-token", "the deployer (DAPR_API_TOKEN under key token)"},
		{"Secret", "airdisplay-app-api-token", "the deployer (APP_API_TOKEN under key token)"},
		{"Secret", "airdisplay-api-keys", "the deployer (API keys, client name → key)"},
	},
}

// forbiddenAzureMetadata are credential fields an azure component must not
// carry: access goes through workload identity only.
var forbiddenAzureMetadata = []string{
	"connectionString", "redisPassword", "redisUsername", "accessKey", "masterKey",
	"sharedAccessKey", "sharedAccessKeyName", "sasToken", "password", "azureClientSecret", "azureCertificate",
}

// podOwner is a pod template (from a Deployment) or a Pod (helm test).
type podOwner struct {
	name        string
	labels      map[string]string
	annotations map[string]string
	spec        *corev1.PodSpec
}

func podOwners(objs []Object) []podOwner {
	var out []podOwner
	for _, d := range Find[*appsv1.Deployment](objs) {
		out = append(out, podOwner{
			name: "Deployment " + d.Name, labels: d.Spec.Template.Labels,
			annotations: d.Spec.Template.Annotations, spec: &d.Spec.Template.Spec,
		})
	}
	for _, p := range Find[*corev1.Pod](objs) {
		out = append(out, podOwner{name: "Pod " + p.Name, labels: p.Labels, annotations: p.Annotations, spec: &p.Spec})
	}
	return out
}

// deploymentsByAppID maps dapr.io/app-id to its Deployment.
func deploymentsByAppID(objs []Object) map[string]*appsv1.Deployment {
	out := map[string]*appsv1.Deployment{}
	for _, d := range Find[*appsv1.Deployment](objs) {
		if id := d.Spec.Template.Annotations["dapr.io/app-id"]; id != "" {
			out[id] = d
		}
	}
	return out
}

func componentByName(objs []Object, name string) *daprcomponents.Component {
	for _, c := range Find[*daprcomponents.Component](objs) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// metadataItem returns the component metadata item called name.
func metadataItem(c *daprcomponents.Component, name string) (item struct {
	Value, EnvRef, SecretName, SecretKey string
}, ok bool) {
	for _, m := range c.Spec.Metadata {
		if m.Name == name {
			item.Value = m.Value.String()
			item.EnvRef = m.EnvRef
			item.SecretName = m.SecretKeyRef.Name
			item.SecretKey = m.SecretKeyRef.Key
			return item, true
		}
	}
	return item, false
}

func envValue(c corev1.Container, name string) (corev1.EnvVar, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e, true
		}
	}
	return corev1.EnvVar{}, false
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func sameSet(a, b []string) bool {
	return fmt.Sprint(sortedCopy(a)) == fmt.Sprint(sortedCopy(b))
}

// selects reports whether a label selector (matchLabels) matches labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func lower(s string) string { return strings.ToLower(s) }
