package charttests

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	daprcomponents "github.com/dapr/dapr/pkg/apis/components/v1alpha1"
	daprconfig "github.com/dapr/dapr/pkg/apis/configuration/v1alpha1"
	daprresiliency "github.com/dapr/dapr/pkg/apis/resiliency/v1alpha1"
	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// TestRenderedObjectsDecodeStrictly renders each flavor and decodes every
// object into its Go type (unknown kinds and fields fail), then checks the
// set of objects is the expected one.
func TestRenderedObjectsDecodeStrictly(t *testing.T) {
	for _, f := range flavors {
		t.Run(f.Name, func(t *testing.T) {
			_, objs := renderFlavor(t, f)
			count := map[string]int{}
			for _, o := range objs {
				count[o.Type.Kind]++
			}
			secrets := 3 // the chart-created API token Secrets and API key Secret
			if f.Name == "azure" {
				secrets = 0 // provided by the deployer
			}
			want := map[string]int{
				"Deployment": 3, "Service": 3, "ServiceAccount": 3, "PodDisruptionBudget": 3,
				"NetworkPolicy": 3, "Pod": 3, "HorizontalPodAutoscaler": 1, "Component": 4,
				"Configuration": 1, "Resiliency": 1, "ScaledObject": 1, "TriggerAuthentication": 1,
				"Secret": secrets, "Role": 1, "RoleBinding": 1,
			}
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

// TestKedaQueueIsTheJobsTopic: the ScaledObject's trigger watches the
// queue the jobs pub/sub delivers from, in both flavors: the topic the
// producer and consumer get (JOBS_TOPIC) is the queue (the consumer
// subscribes with queueName = topic; a Service Bus queues component's topic
// is the queue), and topic and trigger come from the same values key:
// changing jobsQueue.name moves both.
func TestKedaQueueIsTheJobsTopic(t *testing.T) {
	check := func(t *testing.T, flavor string, objs []Object, wantQueue string) {
		t.Helper()
		jobs := componentByName(objs, "jobs")
		if jobs == nil {
			t.Fatal("no jobs component")
		}
		if q, ok := metadataItem(jobs, "queueName"); ok {
			t.Errorf("jobs pub/sub has component metadata queueName %q: the topic is the queue (a subscription's metadata names RabbitMQ's queue)", q.Value)
		}
		deps := deploymentsByAppID(objs)
		for _, app := range jobs.Scopes {
			d := deps[app]
			if d == nil {
				t.Fatalf("jobs is scoped to %s, which no Deployment runs", app)
			}
			topic, ok := envValue(d.Spec.Template.Spec.Containers[0], "JOBS_TOPIC")
			if !ok || topic.Value != wantQueue {
				t.Errorf("%s: JOBS_TOPIC = %+v (set: %v), want %q", app, topic, ok, wantQueue)
			}
		}
		sos := Find[*kedav1alpha1.ScaledObject](objs)
		if len(sos) != 1 {
			t.Fatalf("%d ScaledObjects, want 1", len(sos))
		}
		so := sos[0]
		if len(so.Spec.Triggers) != 1 {
			t.Fatalf("%d triggers, want 1", len(so.Spec.Triggers))
		}
		trig := so.Spec.Triggers[0]
		if trig.Metadata["queueName"] != wantQueue {
			t.Errorf("KEDA trigger queueName %q, want the jobs topic %q", trig.Metadata["queueName"], wantQueue)
		}
		if so.Spec.MinReplicaCount == nil || *so.Spec.MinReplicaCount != 0 {
			t.Errorf("minReplicaCount = %v, want 0", so.Spec.MinReplicaCount)
		}
		if so.Spec.MaxReplicaCount == nil || *so.Spec.MaxReplicaCount < 1 {
			t.Errorf("maxReplicaCount = %v", so.Spec.MaxReplicaCount)
		}
		if so.Spec.CooldownPeriod == nil || so.Spec.PollingInterval == nil {
			t.Error("cooldownPeriod and pollingInterval must be set")
		}
		// The scaled Deployment is an app the jobs pub/sub delivers to.
		var target *appsv1.Deployment
		for _, d := range deps {
			if d.Name == so.Spec.ScaleTargetRef.Name {
				target = d
			}
		}
		if target == nil {
			t.Fatalf("ScaledObject targets %q, not a rendered Deployment", so.Spec.ScaleTargetRef.Name)
		}
		if id := target.Spec.Template.Annotations["dapr.io/app-id"]; id != "consumer" || !hasString(jobs.Scopes, id) {
			t.Errorf("KEDA scales app %q; want the consumer, in the jobs component's scopes %v", id, jobs.Scopes)
		}
		if target.Spec.Replicas != nil {
			t.Errorf("Deployment %s sets replicas although KEDA scales it", target.Name)
		}
		if trig.AuthenticationRef == nil {
			t.Fatal("trigger has no authenticationRef")
		}
		var auth *kedav1alpha1.TriggerAuthentication
		for _, ta := range Find[*kedav1alpha1.TriggerAuthentication](objs) {
			if ta.Name == trig.AuthenticationRef.Name {
				auth = ta
			}
		}
		if auth == nil {
			t.Fatalf("authenticationRef %q is not rendered", trig.AuthenticationRef.Name)
		}
		switch flavor {
		case "azure":
			if jobs.Spec.Type != "pubsub.azure.servicebus.queues" {
				t.Errorf("jobs type = %s, want pubsub.azure.servicebus.queues", jobs.Spec.Type)
			}
			if trig.Type != "azure-servicebus" {
				t.Errorf("trigger type = %s, want azure-servicebus", trig.Type)
			}
			ns, _ := metadataItem(jobs, "namespaceName")
			if want := strings.SplitN(ns.Value, ".", 2)[0]; trig.Metadata["namespace"] != want {
				t.Errorf("trigger namespace %q, want %q (from the jobs component's namespaceName %q)", trig.Metadata["namespace"], want, ns.Value)
			}
			if _, err := strconv.Atoi(trig.Metadata["messageCount"]); err != nil {
				t.Errorf("messageCount %q: %v", trig.Metadata["messageCount"], err)
			}
			pi := auth.Spec.PodIdentity
			if pi == nil || pi.Provider != kedav1alpha1.PodIdentityProviderAzureWorkload || pi.IdentityID == nil || *pi.IdentityID != kedaClientID {
				t.Errorf("TriggerAuthentication podIdentity = %+v, want azure-workload with identityId %s", pi, kedaClientID)
			}
			if len(auth.Spec.SecretTargetRef) != 0 {
				t.Error("azure TriggerAuthentication must not use secrets")
			}
		default:
			if jobs.Spec.Type != "pubsub.rabbitmq" {
				t.Errorf("jobs type = %s, want pubsub.rabbitmq", jobs.Spec.Type)
			}
			if trig.Type != "rabbitmq" || trig.Metadata["mode"] != "QueueLength" {
				t.Errorf("trigger = %s mode %q, want rabbitmq QueueLength", trig.Type, trig.Metadata["mode"])
			}
			if _, err := strconv.Atoi(trig.Metadata["value"]); err != nil {
				t.Errorf("value %q: %v", trig.Metadata["value"], err)
			}
			conn, _ := metadataItem(jobs, "connectionString")
			if len(auth.Spec.SecretTargetRef) != 1 {
				t.Fatalf("secretTargetRef = %+v", auth.Spec.SecretTargetRef)
			}
			ref := auth.Spec.SecretTargetRef[0]
			if ref.Parameter != "host" || ref.Name != conn.SecretName || ref.Key != conn.SecretKey || conn.SecretName == "" {
				t.Errorf("KEDA host from %s/%s, jobs connectionString from %s/%s: want the same AMQP URL Secret",
					ref.Name, ref.Key, conn.SecretName, conn.SecretKey)
			}
		}
	}
	for _, f := range flavors {
		t.Run(f.Name, func(t *testing.T) {
			_, objs := renderFlavor(t, f)
			check(t, f.Name, objs, "jobs")
		})
		t.Run(f.Name+"/renamed-queue", func(t *testing.T) {
			set := map[string]string{"jobsQueue.name": "jobs-renamed"}
			for k, v := range f.SetValues {
				set[k] = v
			}
			out, err := renderE(t, f.ValuesFiles, set)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := DecodeManifest(out)
			if err != nil {
				t.Fatal(err)
			}
			check(t, f.Name, objs, "jobs-renamed")
		})
	}
}

// TestKindJobsComponentIsRabbitMQPubSub: on kind the job queue is Dapr's
// pubsub.rabbitmq, declaring (and so expecting) what the backing chart's
// broker declared at start: a durable fanout exchange and a durable queue
// that is never deleted when unused (KEDA scales the consumer to zero),
// persistent messages with publisher confirms, a job the consumer could not
// finish requeued, messages delivered in parallel (bulk subscribe batches
// only fill then) up to prefetchCount per sidecar. Nothing the binding knew
// is left.
func TestKindJobsComponentIsRabbitMQPubSub(t *testing.T) {
	for _, f := range flavors {
		if f.Name == "azure" {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			_, objs := renderFlavor(t, f)
			c := componentByName(objs, "jobs")
			if c == nil {
				t.Fatal("no jobs component")
			}
			if c.Spec.Type != "pubsub.rabbitmq" || c.Spec.Version != "v1" {
				t.Fatalf("jobs: %s/%s, want pubsub.rabbitmq/v1", c.Spec.Type, c.Spec.Version)
			}
			want := map[string]string{
				"durable":              "true",
				"deletedWhenUnused":    "false",
				"deliveryMode":         "2",
				"publisherConfirm":     "false",
				"requeueInFailure":     "true",
				"concurrencyMode":      "parallel",
				"exchangeKind":         "fanout",
				"prefetchCount":        "200",
				"reconnectWaitSeconds": "2",
			}
			for key, w := range want {
				if m, ok := metadataItem(c, key); !ok || m.Value != w {
					t.Errorf("jobs: %s = %q (set: %v), want %q", key, m.Value, ok, w)
				}
			}
			conn, ok := metadataItem(c, "connectionString")
			if !ok || conn.SecretName != "airdisplay-rabbitmq" || conn.SecretKey != "RABBITMQ_URL" || conn.Value != "" {
				t.Errorf("jobs: connectionString %+v, want the AMQP URL Secret airdisplay-rabbitmq/RABBITMQ_URL", conn)
			}
			// The binding's keys (and the misspelling pubsub.rabbitmq does not read).
			for _, gone := range []string{"host", "queueName", "deleteWhenUnused", "reconnectWaitInSeconds", "direction", "concurrency"} {
				if _, ok := metadataItem(c, gone); ok {
					t.Errorf("jobs: metadata %s is not pubsub.rabbitmq's", gone)
				}
			}
			if len(c.Spec.Metadata) != len(want)+1 {
				t.Errorf("jobs: %d metadata items, want %d", len(c.Spec.Metadata), len(want)+1)
			}
		})
	}
	t.Run("prefetchCount is a uint8 of at least 1", func(t *testing.T) {
		out, err := renderE(t, nil, map[string]string{"kind.rabbitmq.prefetchCount": "255"})
		if err != nil {
			t.Fatal(err)
		}
		objs, err := DecodeManifest(out)
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := metadataItem(componentByName(objs, "jobs"), "prefetchCount"); m.Value != "255" {
			t.Errorf("prefetchCount %q, want 255", m.Value)
		}
		for _, bad := range []string{"256", "0"} {
			if _, err := renderE(t, nil, map[string]string{"kind.rabbitmq.prefetchCount": bad}); err == nil || !strings.Contains(err.Error(), "prefetchCount") {
				t.Errorf("prefetchCount %s: %v, want the schema to refuse it", bad, err)
			}
		}
	})
}

// TestAzureJobsComponentIsServiceBusQueuesPubSub: on azure the job queue is
// Dapr's pubsub.azure.servicebus.queues on Terraform's queue, reached with
// workload identity (namespaceName, no connection string) and managing no
// entity (the producer only sends, the consumer only receives); the topic is
// the queue, so there is no queueName.
func TestAzureJobsComponentIsServiceBusQueuesPubSub(t *testing.T) {
	_, objs := renderFlavor(t, flavorByName(t, "azure"))
	c := componentByName(objs, "jobs")
	if c == nil {
		t.Fatal("no jobs component")
	}
	if c.Spec.Type != "pubsub.azure.servicebus.queues" || c.Spec.Version != "v1" {
		t.Fatalf("jobs: %s/%s, want pubsub.azure.servicebus.queues/v1", c.Spec.Type, c.Spec.Version)
	}
	want := map[string]string{
		"namespaceName":           serviceBusFQDN,
		"disableEntityManagement": "true",
		"maxActiveMessages":       "200",
		"maxConcurrentHandlers":   "16",
		"lockRenewalInSec":        "20",
	}
	for key, w := range want {
		if m, ok := metadataItem(c, key); !ok || m.Value != w {
			t.Errorf("jobs: %s = %q (set: %v), want %q", key, m.Value, ok, w)
		}
	}
	if id, ok := metadataItem(c, "azureClientId"); !ok || id.EnvRef != "AZURE_CLIENT_ID" {
		t.Errorf("jobs: azureClientId %+v, want envRef AZURE_CLIENT_ID", id)
	}
	for _, gone := range []string{"connectionString", "queueName", "consumerID"} {
		if _, ok := metadataItem(c, gone); ok {
			t.Errorf("jobs: has %s", gone)
		}
	}
	if !sameSet(c.Scopes, []string{"producer", "consumer"}) {
		t.Errorf("jobs scopes %v, want [producer consumer]", c.Scopes)
	}
}

// TestComponentScopesNameDeployedApps: every app id a component (or the
// Resiliency) is scoped to is a rendered Deployment's dapr.io/app-id, and
// each component is scoped to exactly the apps that use it.
func TestComponentScopesNameDeployedApps(t *testing.T) {
	for _, f := range flavors {
		t.Run(f.Name, func(t *testing.T) {
			_, objs := renderFlavor(t, f)
			deps := deploymentsByAppID(objs)
			for _, c := range Find[*daprcomponents.Component](objs) {
				if len(c.Scopes) == 0 {
					t.Errorf("component %s has no scopes: every app could load it", c.Name)
				}
				for _, s := range c.Scopes {
					if deps[s] == nil {
						t.Errorf("component %s is scoped to app %q, which no Deployment runs", c.Name, s)
					}
				}
				if want, ok := wantScopes[c.Name]; !ok || !sameSet(c.Scopes, want) {
					t.Errorf("component %s scopes %v, want %v", c.Name, c.Scopes, want)
				}
			}
			for _, r := range Find[*daprresiliency.Resiliency](objs) {
				for _, s := range r.Scopes {
					if deps[s] == nil {
						t.Errorf("resiliency %s is scoped to app %q, which no Deployment runs", r.Name, s)
					}
				}
				for name := range r.Spec.Targets.Components {
					if componentByName(objs, name) == nil {
						t.Errorf("resiliency %s targets component %q, which is not rendered", r.Name, name)
					}
				}
			}
			// Each app names the components it uses by the rendered names,
			// and the users of jobs its topic.
			envs := map[string]string{"JOBS_PUBSUB": "jobs", "JOB_STORE": "jobstore", "STATE_STORE": "statestore", "PUBSUB": "pubsub"}
			for id, d := range deps {
				c := d.Spec.Template.Spec.Containers[0]
				for env := range envs {
					e, ok := envValue(c, env)
					if !ok {
						continue
					}
					comp := componentByName(objs, e.Value)
					if comp == nil {
						t.Errorf("%s: %s=%q names no rendered component", id, env, e.Value)
					} else if !hasString(comp.Scopes, id) {
						t.Errorf("%s: %s=%q but the component is not scoped to it", id, env, e.Value)
					}
				}
				_, pubsub := envValue(c, "JOBS_PUBSUB")
				topic, hasTopic := envValue(c, "JOBS_TOPIC")
				if pubsub != hasTopic || hasTopic && topic.Value != "jobs" {
					t.Errorf("%s: JOBS_PUBSUB set %v, JOBS_TOPIC %+v (set %v): want both or neither, the topic jobsQueue.name (jobs)", id, pubsub, topic, hasTopic)
				}
				if _, old := envValue(c, "JOBS_BINDING"); old {
					t.Errorf("%s: still has JOBS_BINDING", id)
				}
			}
			for _, app := range []string{"producer", "consumer"} {
				if _, ok := envValue(deps[app].Spec.Template.Spec.Containers[0], "JOBS_PUBSUB"); !ok {
					t.Errorf("%s has no JOBS_PUBSUB", app)
				}
			}
		})
	}
}

// TestReferencedSecretsAndServiceAccountsExist: every Secret and
// ServiceAccount a pod, component or KEDA object references is rendered by
// the chart or listed in externallyProvided (documented in helm/README.md).
func TestReferencedSecretsAndServiceAccountsExist(t *testing.T) {
	for _, f := range flavors {
		t.Run(f.Name, func(t *testing.T) {
			_, objs := renderFlavor(t, f)
			secrets := map[string]*corev1.Secret{}
			for _, s := range Find[*corev1.Secret](objs) {
				secrets[s.Name] = s
			}
			sas := map[string]bool{}
			for _, sa := range Find[*corev1.ServiceAccount](objs) {
				sas[sa.Name] = true
			}
			external := map[string]bool{}
			for _, e := range externallyProvided[f.Name] {
				external[e.Kind+"/"+e.Name] = true
			}
			used := map[string]bool{}
			checkSecret := func(from, name, key string) {
				t.Helper()
				if name == "" {
					return
				}
				used["Secret/"+name] = true
				if s, ok := secrets[name]; ok {
					if key != "" {
						if _, ok := s.Data[key]; !ok {
							if _, ok := s.StringData[key]; !ok {
								t.Errorf("%s: Secret %s has no key %q", from, name, key)
							}
						}
					}
					return
				}
				if !external["Secret/"+name] {
					t.Errorf("%s references Secret %q, which the chart does not render and which is not in the documented external list", from, name)
				}
			}
			for _, p := range podOwners(objs) {
				if sa := p.spec.ServiceAccountName; sa != "" {
					used["ServiceAccount/"+sa] = true
					if !sas[sa] && !external["ServiceAccount/"+sa] {
						t.Errorf("%s uses ServiceAccount %q, which is neither rendered nor documented as external", p.name, sa)
					}
				}
				// Dapr's injector hands these Secrets (key "token") to daprd.
				checkSecret(p.name+" dapr.io/api-token-secret", p.annotations["dapr.io/api-token-secret"], "token")
				checkSecret(p.name+" dapr.io/app-token-secret", p.annotations["dapr.io/app-token-secret"], "token")
				for _, ps := range p.spec.ImagePullSecrets {
					checkSecret(p.name+" imagePullSecrets", ps.Name, "")
				}
				for _, v := range p.spec.Volumes {
					if v.Secret != nil {
						checkSecret(p.name+" volume "+v.Name, v.Secret.SecretName, "")
					}
					if v.Projected != nil {
						for _, src := range v.Projected.Sources {
							if src.Secret != nil {
								checkSecret(p.name+" volume "+v.Name, src.Secret.Name, "")
							}
						}
					}
				}
				for _, c := range append(append([]corev1.Container(nil), p.spec.InitContainers...), p.spec.Containers...) {
					for _, e := range c.Env {
						if e.Name == "API_KEYS_SECRET" { // read through the Dapr secret store
							checkSecret(fmt.Sprintf("%s container %s env %s", p.name, c.Name, e.Name), e.Value, "")
						}
						if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
							checkSecret(fmt.Sprintf("%s container %s env %s", p.name, c.Name, e.Name), e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)
						}
					}
					for _, ef := range c.EnvFrom {
						if ef.SecretRef != nil {
							checkSecret(p.name+" container "+c.Name+" envFrom", ef.SecretRef.Name, "")
						}
					}
				}
			}
			for _, c := range Find[*daprcomponents.Component](objs) {
				for _, m := range c.Spec.Metadata {
					checkSecret("component "+c.Name+" "+m.Name, m.SecretKeyRef.Name, "")
				}
			}
			for _, ta := range Find[*kedav1alpha1.TriggerAuthentication](objs) {
				for _, r := range ta.Spec.SecretTargetRef {
					checkSecret("TriggerAuthentication "+ta.Name, r.Name, "")
				}
			}
			// The documented list holds nothing the chart does not use.
			for _, e := range externallyProvided[f.Name] {
				if !used[e.Kind+"/"+e.Name] {
					t.Errorf("%s %s is listed as externally provided but nothing references it", e.Kind, e.Name)
				}
			}
		})
	}
}

// TestAzureUsesWorkloadIdentityOnly: azure components carry no credentials
// and authenticate with azureClientId; each sidecar's AZURE_CLIENT_ID is its
// own service's identity, the one its ServiceAccount is federated with.
func TestAzureUsesWorkloadIdentityOnly(t *testing.T) {
	_, objs := renderFlavor(t, flavorByName(t, "azure"))
	deps := deploymentsByAppID(objs)
	sas := map[string]*corev1.ServiceAccount{}
	for _, sa := range Find[*corev1.ServiceAccount](objs) {
		sas[sa.Name] = sa
	}
	for _, c := range Find[*daprcomponents.Component](objs) {
		for _, m := range c.Spec.Metadata {
			for _, bad := range forbiddenAzureMetadata {
				if lower(m.Name) == lower(bad) {
					t.Errorf("component %s has credential metadata %q", c.Name, m.Name)
				}
			}
			if m.SecretKeyRef.Name != "" {
				t.Errorf("component %s reads %s from a Secret; azure uses workload identity", c.Name, m.Name)
			}
		}
		id, ok := metadataItem(c, "azureClientId")
		if !ok {
			t.Errorf("component %s does not set azureClientId", c.Name)
			continue
		}
		for _, app := range c.Scopes {
			want := clientIDs[app]
			got := id.Value
			if id.EnvRef != "" {
				if id.EnvRef != "AZURE_CLIENT_ID" {
					t.Errorf("component %s azureClientId envRef %q", c.Name, id.EnvRef)
				}
				// dapr.io/env sets the variable on the app's daprd.
				got = ""
				for _, kv := range strings.Split(deps[app].Spec.Template.Annotations["dapr.io/env"], ",") {
					if v, ok := strings.CutPrefix(strings.TrimSpace(kv), id.EnvRef+"="); ok {
						got = v
					}
				}
			}
			if got != want {
				t.Errorf("component %s: app %s authenticates as %q, want its identity %q", c.Name, app, got, want)
			}
		}
		switch c.Spec.Type {
		case "state.redis":
			host, _ := metadataItem(c, "redisHost")
			tls, _ := metadataItem(c, "enableTLS")
			entra, _ := metadataItem(c, "useEntraID")
			if host.Value != azureRedisHost+":10000" || tls.Value != "true" || entra.Value != "true" {
				t.Errorf("component %s: redisHost %q enableTLS %q useEntraID %q", c.Name, host.Value, tls.Value, entra.Value)
			}
		case "pubsub.azure.servicebus.topics":
			ns, _ := metadataItem(c, "namespaceName")
			if ns.Value != serviceBusFQDN {
				t.Errorf("pubsub: namespaceName %q", ns.Value)
			}
		case "pubsub.azure.servicebus.queues":
			ns, _ := metadataItem(c, "namespaceName")
			dem, _ := metadataItem(c, "disableEntityManagement")
			if ns.Value != serviceBusFQDN || dem.Value != "true" {
				t.Errorf("jobs: namespaceName %q disableEntityManagement %q", ns.Value, dem.Value)
			}
		default:
			t.Errorf("component %s has unexpected type %s on azure", c.Name, c.Spec.Type)
		}
	}
	for _, key := range serviceKeys {
		d := deps[appIDs[key]]
		if d == nil {
			t.Fatalf("no Deployment for %s", key)
		}
		if d.Spec.Template.Labels["azure.workload.identity/use"] != "true" {
			t.Errorf("%s pods lack label azure.workload.identity/use=true", key)
		}
		sa := sas[d.Spec.Template.Spec.ServiceAccountName]
		if sa == nil {
			t.Fatalf("%s: ServiceAccount %q not rendered", key, d.Spec.Template.Spec.ServiceAccountName)
		}
		if got := sa.Annotations["azure.workload.identity/client-id"]; got != clientIDs[key] {
			t.Errorf("%s ServiceAccount client-id %q, want %q", key, got, clientIDs[key])
		}
		// Terraform federates exactly airdisplay-<service>.
		if sa.Name != "airdisplay-"+key {
			t.Errorf("%s ServiceAccount %q, want airdisplay-%s (Terraform's federated credential subject)", key, sa.Name, key)
		}
	}
}

// TestRenderedAzureStateStoresAreManagedRedisClusters: on azure the state stores reach
// Azure Managed Redis as a Redis Cluster (OSS cluster policy): redisType
// cluster, TLS on port 10000, Entra ID with the sidecar's own identity, no
// password; and nothing the chart renders or ships still points at Azure
// Cache for Redis (redis.cache.windows.net).
func TestRenderedAzureStateStoresAreManagedRedisClusters(t *testing.T) {
	_, objs := renderFlavor(t, flavorByName(t, "azure"))
	for _, name := range []string{"statestore", "jobstore"} {
		c := componentByName(objs, name)
		if c == nil {
			t.Errorf("no %s component", name)
			continue
		}
		if c.Spec.Type != "state.redis" || c.Spec.Version != "v1" {
			t.Errorf("%s: %s/%s, want state.redis/v1", name, c.Spec.Type, c.Spec.Version)
		}
		want := map[string]string{
			"redisHost":  azureRedisHost + ":10000",
			"redisType":  "cluster",
			"enableTLS":  "true",
			"useEntraID": "true",
		}
		for key, w := range want {
			if m, ok := metadataItem(c, key); !ok || m.Value != w {
				t.Errorf("%s: %s = %q (set: %v), want %q", name, key, m.Value, ok, w)
			}
		}
		if id, ok := metadataItem(c, "azureClientId"); !ok || id.EnvRef != "AZURE_CLIENT_ID" {
			t.Errorf("%s: azureClientId %+v, want envRef AZURE_CLIENT_ID", name, id)
		}
		for _, bad := range []string{"redisPassword", "redisUsername", "failover", "sentinelMasterName"} {
			if _, ok := metadataItem(c, bad); ok {
				t.Errorf("%s: has %s", name, bad)
			}
		}
	}
	if c := componentByName(objs, "statestore"); c != nil {
		if m, _ := metadataItem(c, "actorStateStore"); m.Value != "true" {
			t.Errorf("statestore: actorStateStore %q", m.Value)
		}
	}
	for _, f := range flavors {
		manifest, _ := renderFlavor(t, f)
		if strings.Contains(manifest, "redis.cache.windows.net") {
			t.Errorf("%s: the manifest names Azure Cache for Redis (redis.cache.windows.net)", f.Name)
		}
	}
	// Nor do the chart's files (values, schema, templates) or its README.
	paths := []string{readmePath}
	_ = filepath.WalkDir(chartDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, p)
		}
		return err
	})
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), "redis.cache.windows.net") {
			t.Errorf("%s still names an Azure Cache for Redis host (redis.cache.windows.net)", p)
		}
	}
}

// TestRenderedAzurePubSubIsServiceBusTopics: on azure the banner events go through
// Service Bus topics (Azure Managed Redis serves no Dapr pub/sub): one
// subscription per sidecar ({uuid}) that Service Bus deletes after 300 idle
// seconds (Dapr's minimum), one handler at a time (per-banner order), the
// topic Terraform created as the only allowed one, workload identity.
func TestRenderedAzurePubSubIsServiceBusTopics(t *testing.T) {
	_, objs := renderFlavor(t, flavorByName(t, "azure"))
	c := componentByName(objs, "pubsub")
	if c == nil {
		t.Fatal("no pubsub component")
	}
	if c.Spec.Type != "pubsub.azure.servicebus.topics" || c.Spec.Version != "v1" {
		t.Fatalf("pubsub: %s/%s, want pubsub.azure.servicebus.topics/v1", c.Spec.Type, c.Spec.Version)
	}
	want := map[string]string{
		"namespaceName":           serviceBusFQDN,
		"consumerID":              "{uuid}",
		"autoDeleteOnIdleInSec":   "300",
		"maxConcurrentHandlers":   "1",
		"disableEntityManagement": "false",
		"allowedTopics":           bannerEventsTopic,
	}
	for key, w := range want {
		if m, ok := metadataItem(c, key); !ok || m.Value != w {
			t.Errorf("pubsub: %s = %q (set: %v), want %q", key, m.Value, ok, w)
		}
	}
	if id, ok := metadataItem(c, "azureClientId"); !ok || id.EnvRef != "AZURE_CLIENT_ID" {
		t.Errorf("pubsub: azureClientId %+v, want envRef AZURE_CLIENT_ID", id)
	}
	for _, m := range c.Spec.Metadata {
		if strings.HasPrefix(lower(m.Name), "redis") || m.Name == "connectionString" {
			t.Errorf("pubsub: metadata %s does not belong to Service Bus topics with workload identity", m.Name)
		}
	}
	if !sameSet(c.Scopes, []string{"banner-actor"}) {
		t.Errorf("pubsub scopes %v, want [banner-actor]", c.Scopes)
	}
	// The kind flavor keeps Redis pub/sub.
	_, kobjs := renderFlavor(t, flavorByName(t, "kind"))
	if k := componentByName(kobjs, "pubsub"); k == nil || k.Spec.Type != "pubsub.redis" {
		t.Errorf("kind pubsub: %+v, want pubsub.redis", k)
	}
}

// TestKindComponentsMatchLocal: the kind components are the local ones
// (components/local/*.yaml) with hosts from values and Secrets instead of
// envRef; consumerID is {podName} instead of {uuid} (one consumer group
// per pod, stable across sidecar restarts).
func TestKindComponentsMatchLocal(t *testing.T) {
	local := loadLocal(t)
	for _, f := range flavors {
		if f.Name == "azure" {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			_, objs := renderFlavor(t, f)
			for _, lc := range local.components {
				c := componentByName(objs, lc.Name)
				if c == nil {
					t.Errorf("local component %s is not rendered", lc.Name)
					continue
				}
				if c.Spec.Type != lc.Spec.Type || c.Spec.Version != lc.Spec.Version {
					t.Errorf("%s: %s/%s, local %s/%s", c.Name, c.Spec.Type, c.Spec.Version, lc.Spec.Type, lc.Spec.Version)
				}
				if !sameSet(c.Scopes, lc.Scopes) {
					t.Errorf("%s: scopes %v, local %v", c.Name, c.Scopes, lc.Scopes)
				}
				for _, lm := range lc.Spec.Metadata {
					m, ok := metadataItem(c, lm.Name)
					switch {
					case !ok:
						t.Errorf("%s: metadata %s missing", c.Name, lm.Name)
					case m.EnvRef != "":
						t.Errorf("%s: metadata %s uses envRef; kind reads values and Secrets", c.Name, lm.Name)
					case lm.EnvRef != "":
						if m.Value == "" && m.SecretName == "" {
							t.Errorf("%s: metadata %s (local envRef %s) has no value or secretKeyRef", c.Name, lm.Name, lm.EnvRef)
						}
					case lm.Name == "consumerID":
						if m.Value != "{podName}" {
							t.Errorf("%s: consumerID %q, want {podName}", c.Name, m.Value)
						}
					default:
						if lv := lm.Value.String(); m.Value != lv {
							t.Errorf("%s: metadata %s = %q, local %q", c.Name, lm.Name, m.Value, lv)
						}
					}
				}
			}
		})
	}
}

// TestResiliencyAndConfigurationMatchLocal: the Resiliency equals
// components/local/resiliency.yaml as Dapr reads it (the same Go type), and
// the Configuration keeps its tracing and metrics and enables mTLS.
func TestResiliencyAndConfigurationMatchLocal(t *testing.T) {
	local := loadLocal(t)
	for _, f := range flavors {
		t.Run(f.Name, func(t *testing.T) {
			_, objs := renderFlavor(t, f)
			rs := Find[*daprresiliency.Resiliency](objs)
			if len(rs) != 1 {
				t.Fatalf("%d Resiliency objects", len(rs))
			}
			if !reflect.DeepEqual(rs[0].Spec, local.resiliency.Spec) {
				t.Errorf("resiliency differs from components/local/resiliency.yaml:\nchart: %+v\nlocal: %+v", rs[0].Spec, local.resiliency.Spec)
			}
			cs := Find[*daprconfig.Configuration](objs)
			if len(cs) != 1 {
				t.Fatalf("%d Configurations", len(cs))
			}
			c := cs[0]
			if c.Spec.TracingSpec == nil || c.Spec.TracingSpec.SamplingRate != local.config.Spec.TracingSpec.SamplingRate {
				t.Errorf("tracing %+v, local %+v", c.Spec.TracingSpec, local.config.Spec.TracingSpec)
			}
			if c.Spec.MetricSpec == nil || c.Spec.MetricSpec.Enabled == nil || !*c.Spec.MetricSpec.Enabled {
				t.Error("metrics not enabled")
			}
			// Dapr's CRD refuses an app Configuration's spec.mtls without the
			// control plane's trust domain and Sentry address: mTLS is
			// daprsystem's (Dapr's chart global.mtls.enabled).
			if c.Spec.MTLSSpec != nil {
				t.Errorf("spec.mtls %+v in the app Configuration", c.Spec.MTLSSpec)
			}
			for _, d := range Find[*appsv1.Deployment](objs) {
				if got := d.Spec.Template.Annotations["dapr.io/config"]; got != c.Name {
					t.Errorf("%s: dapr.io/config %q, want the rendered Configuration %q", d.Name, got, c.Name)
				}
			}
		})
	}
}

type localResources struct {
	components []*daprcomponents.Component
	resiliency *daprresiliency.Resiliency
	config     *daprconfig.Configuration
}

// loadLocal reads components/local as daprd does: YAML into the Dapr types
// (not strictly: the local resiliency has initialInterval, which the
// Resiliency type, and so Dapr, ignores).
func loadLocal(t *testing.T) localResources {
	t.Helper()
	dir := filepath.Join("..", "..", "components", "local")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no local components in %s: %v", dir, err)
	}
	var lr localResources
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(raw, &meta); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		switch meta.Kind {
		case "Component":
			var c daprcomponents.Component
			if err := yaml.Unmarshal(raw, &c); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if strings.HasPrefix(c.Spec.Type, "secretstores.") {
				continue // stands in for Kubernetes' built-in secret store
			}
			lr.components = append(lr.components, &c)
		case "Resiliency":
			var r daprresiliency.Resiliency
			if err := yaml.Unmarshal(raw, &r); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			lr.resiliency = &r
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "config", "platform.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c daprconfig.Configuration
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	lr.config = &c
	if lr.resiliency == nil || len(lr.components) != 4 {
		t.Fatalf("local resources: %d components, resiliency %v", len(lr.components), lr.resiliency != nil)
	}
	return lr
}

// TestRestrictedSecurityContext: every container the chart renders (services
// and helm test pods) runs under the restricted Pod Security Standard, as
// uid 65532, with a read-only root filesystem.
func TestRestrictedSecurityContext(t *testing.T) {
	for _, f := range flavors {
		t.Run(f.Name, func(t *testing.T) {
			_, objs := renderFlavor(t, f)
			for _, p := range podOwners(objs) {
				psc := p.spec.SecurityContext
				if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
					t.Errorf("%s: pod securityContext.runAsNonRoot is not true", p.name)
				}
				if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
					t.Errorf("%s: pod seccompProfile is not RuntimeDefault", p.name)
				}
				// Only the pods whose sidecar reads the API key Secret through
				// the kubernetes secret store mount their token (see
				// TestAPIKeysReachTheServices for what that token may do).
				wantToken := strings.HasPrefix(p.name, "Deployment ") && (strings.HasSuffix(p.name, "-producer") || strings.HasSuffix(p.name, "-banner-actor"))
				if p.spec.AutomountServiceAccountToken == nil || *p.spec.AutomountServiceAccountToken != wantToken {
					t.Errorf("%s: automountServiceAccountToken is not %v", p.name, wantToken)
				}
				if p.spec.HostNetwork || p.spec.HostPID || p.spec.HostIPC {
					t.Errorf("%s: uses host namespaces", p.name)
				}
				for _, c := range append(append([]corev1.Container(nil), p.spec.InitContainers...), p.spec.Containers...) {
					where := p.name + " container " + c.Name
					sc := c.SecurityContext
					if sc == nil {
						t.Errorf("%s: no securityContext", where)
						continue
					}
					if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
						t.Errorf("%s: runAsNonRoot is not true", where)
					}
					if sc.RunAsUser == nil || *sc.RunAsUser != 65532 {
						t.Errorf("%s: runAsUser is not 65532", where)
					}
					if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
						t.Errorf("%s: readOnlyRootFilesystem is not true", where)
					}
					if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
						t.Errorf("%s: allowPrivilegeEscalation is not false", where)
					}
					if sc.Privileged != nil && *sc.Privileged {
						t.Errorf("%s: privileged", where)
					}
					if sc.Capabilities == nil || !hasCapability(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
						t.Errorf("%s: capabilities %+v, want drop ALL and no add", where, sc.Capabilities)
					}
					if sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
						t.Errorf("%s: seccompProfile is not RuntimeDefault", where)
					}
				}
			}
			for _, d := range Find[*appsv1.Deployment](objs) {
				if got := d.Spec.Template.Annotations["dapr.io/sidecar-seccomp-profile-type"]; got != "RuntimeDefault" {
					t.Errorf("%s: dapr.io/sidecar-seccomp-profile-type %q", d.Name, got)
				}
			}
		})
	}
}

func hasCapability(list []corev1.Capability, c corev1.Capability) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// TestConsumerGracePeriodCoversDrain: Kubernetes must not kill the consumer
// before it drained its in-flight jobs, nor daprd before its shutdown.
func TestConsumerGracePeriodCoversDrain(t *testing.T) {
	for _, f := range flavors {
		t.Run(f.Name, func(t *testing.T) {
			_, objs := renderFlavor(t, f)
			deps := deploymentsByAppID(objs)
			for id, d := range deps {
				grace := time.Duration(*d.Spec.Template.Spec.TerminationGracePeriodSeconds) * time.Second
				shutdown := annotationSeconds(t, d, "dapr.io/graceful-shutdown-seconds")
				if shutdown >= grace {
					t.Errorf("%s: daprd graceful shutdown %v >= terminationGracePeriodSeconds %v", id, shutdown, grace)
				}
				if id != "consumer" {
					continue
				}
				e, ok := envValue(d.Spec.Template.Spec.Containers[0], "DRAIN_TIMEOUT")
				if !ok {
					t.Fatal("consumer has no DRAIN_TIMEOUT")
				}
				drain, err := time.ParseDuration(e.Value)
				if err != nil {
					t.Fatalf("DRAIN_TIMEOUT %q: %v", e.Value, err)
				}
				if grace <= drain {
					t.Errorf("consumer terminationGracePeriodSeconds %v <= DRAIN_TIMEOUT %v", grace, drain)
				}
				// daprd keeps its API up for the drain (block-shutdown), then
				// shuts down gracefully: both must fit in the grace period.
				block := time.Duration(0)
				if v := d.Spec.Template.Annotations["dapr.io/block-shutdown-duration"]; v != "" {
					if block, err = time.ParseDuration(v); err != nil {
						t.Fatalf("block-shutdown-duration %q: %v", v, err)
					}
					if block < drain {
						t.Errorf("consumer block-shutdown-duration %v < DRAIN_TIMEOUT %v: daprd would leave during the drain", block, drain)
					}
				}
				if grace <= block+shutdown {
					t.Errorf("consumer grace %v <= block-shutdown %v + graceful-shutdown %v", grace, block, shutdown)
				}
				if d.Spec.Template.Annotations["dapr.io/enable-app-health-check"] != "true" {
					t.Error("consumer: app health check is off; daprd would feed jobs to a hung app")
				}
			}
		})
	}
}

func annotationSeconds(t *testing.T, d *appsv1.Deployment, key string) time.Duration {
	t.Helper()
	n, err := strconv.Atoi(d.Spec.Template.Annotations[key])
	if err != nil {
		t.Fatalf("%s: %s: %v", d.Name, key, err)
	}
	return time.Duration(n) * time.Second
}

// TestImagesDefaultToAppVersion: images are
// <registry>/airdisplay/<service>:<appVersion> unless a tag is set.
func TestImagesDefaultToAppVersion(t *testing.T) {
	appVersion := chartAppVersion(t)
	registries := map[string]string{"defaults": "kind.local", "kind": "kind.local", "azure": acrLoginServer}
	for _, f := range flavors {
		t.Run(f.Name, func(t *testing.T) {
			_, objs := renderFlavor(t, f)
			for _, key := range serviceKeys {
				d := deploymentsByAppID(objs)[appIDs[key]]
				want := fmt.Sprintf("%s/airdisplay/%s:%s", registries[f.Name], key, appVersion)
				if got := d.Spec.Template.Spec.Containers[0].Image; got != want {
					t.Errorf("%s image %q, want %q", key, got, want)
				}
			}
		})
	}
	t.Run("overrides", func(t *testing.T) {
		out, err := renderE(t, nil, map[string]string{"image.tag": "1.2.3", "services.producer.image.tag": "9.9.9"})
		if err != nil {
			t.Fatal(err)
		}
		objs, err := DecodeManifest(out)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"producer": "9.9.9", "consumer": "1.2.3", "banner-actor": "1.2.3"}
		for id, d := range deploymentsByAppID(objs) {
			if img := d.Spec.Template.Spec.Containers[0].Image; !strings.HasSuffix(img, ":"+want[id]) {
				t.Errorf("%s image %q, want tag %s", id, img, want[id])
			}
		}
	})
}

// TestServicesFollowThePlatformContract checks each service's objects:
// Deployment (Dapr annotations, probes, env, resources), ServiceAccount,
// Service, PDB, NetworkPolicy, HPA and helm test pod.
func TestServicesFollowThePlatformContract(t *testing.T) {
	ports := map[string]int32{"producer": 8081, "consumer": 8090, "banner-actor": 8083}
	for _, f := range flavors {
		t.Run(f.Name, func(t *testing.T) {
			_, objs := renderFlavor(t, f)
			deps := deploymentsByAppID(objs)
			sas := map[string]*corev1.ServiceAccount{}
			for _, sa := range Find[*corev1.ServiceAccount](objs) {
				sas[sa.Name] = sa
			}
			configs := Find[*daprconfig.Configuration](objs)
			for _, key := range serviceKeys {
				d := deps[appIDs[key]]
				if d == nil {
					t.Errorf("no Deployment with dapr.io/app-id %s", appIDs[key])
					continue
				}
				tpl := d.Spec.Template
				a := tpl.Annotations
				port := ports[key]
				wantAnn := map[string]string{
					"dapr.io/enabled": "true", "dapr.io/app-id": appIDs[key], "dapr.io/app-port": strconv.Itoa(int(port)),
					"dapr.io/app-protocol": "http", "dapr.io/config": configs[0].Name,
					"dapr.io/enable-metrics": "true", "dapr.io/metrics-port": "9090",
				}
				for k, v := range wantAnn {
					if a[k] != v {
						t.Errorf("%s: annotation %s = %q, want %q", key, k, a[k], v)
					}
				}
				for _, k := range []string{
					"dapr.io/api-token-secret", "dapr.io/app-token-secret", "dapr.io/log-level",
					"dapr.io/sidecar-cpu-request", "dapr.io/sidecar-cpu-limit",
					"dapr.io/sidecar-memory-request", "dapr.io/sidecar-memory-limit",
					"dapr.io/graceful-shutdown-seconds",
				} {
					if a[k] == "" {
						t.Errorf("%s: annotation %s missing", key, k)
					}
				}
				for _, k := range []string{"dapr.io/sidecar-cpu-request", "dapr.io/sidecar-cpu-limit", "dapr.io/sidecar-memory-request", "dapr.io/sidecar-memory-limit"} {
					if _, err := resource.ParseQuantity(a[k]); err != nil {
						t.Errorf("%s: %s %q: %v", key, k, a[k], err)
					}
				}
				if len(tpl.Spec.Containers) != 1 {
					t.Fatalf("%s: %d containers", key, len(tpl.Spec.Containers))
				}
				c := tpl.Spec.Containers[0]
				if len(c.Ports) != 1 || c.Ports[0].ContainerPort != port || c.Ports[0].Name != "http" {
					t.Errorf("%s: ports %+v, want http %d", key, c.Ports, port)
				}
				if e, _ := envValue(c, "APP_PORT"); e.Value != strconv.Itoa(int(port)) {
					t.Errorf("%s: APP_PORT %q", key, e.Value)
				}
				if e, ok := envValue(c, "LOG_LEVEL"); !ok || e.Value == "" {
					t.Errorf("%s: LOG_LEVEL missing", key)
				}
				for env, ann := range map[string]string{"DAPR_API_TOKEN": "dapr.io/api-token-secret", "APP_API_TOKEN": "dapr.io/app-token-secret"} {
					e, ok := envValue(c, env)
					if !ok || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
						t.Errorf("%s: %s not from a Secret", key, env)
						continue
					}
					if ref := e.ValueFrom.SecretKeyRef; ref.Name != a[ann] || ref.Key != "token" {
						t.Errorf("%s: %s from %s/%s, but daprd reads %s/token (%s)", key, env, ref.Name, ref.Key, a[ann], ann)
					}
				}
				switch key {
				case "consumer":
					for _, env := range []string{"JOB_MAX_ATTEMPTS", "DRAIN_TIMEOUT"} {
						if _, ok := envValue(c, env); !ok {
							t.Errorf("consumer: %s missing", env)
						}
					}
				case "banner-actor":
					for _, env := range []string{"BANNER_DISPLAY_DURATION", "WS_ALLOWED_ORIGINS"} {
						if _, ok := envValue(c, env); !ok {
							t.Errorf("banner-actor: %s missing", env)
						}
					}
				}
				checkProbe(t, key+" liveness", c.LivenessProbe, "/healthz")
				checkProbe(t, key+" readiness", c.ReadinessProbe, "/readyz")
				for _, rn := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
					if _, ok := c.Resources.Requests[rn]; !ok {
						t.Errorf("%s: no %s request", key, rn)
					}
					if _, ok := c.Resources.Limits[rn]; !ok {
						t.Errorf("%s: no %s limit", key, rn)
					}
				}
				if !selects(d.Spec.Selector.MatchLabels, tpl.Labels) {
					t.Errorf("%s: Deployment selector does not match its pods", key)
				}
				sa := sas[tpl.Spec.ServiceAccountName]
				if sa == nil {
					t.Errorf("%s: ServiceAccount %q not rendered", key, tpl.Spec.ServiceAccountName)
				} else if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
					t.Errorf("%s: ServiceAccount automounts its token", key)
				}
				wantWI := f.Name == "azure"
				if got := tpl.Labels["azure.workload.identity/use"] == "true"; got != wantWI {
					t.Errorf("%s: workload identity pod label = %v, want %v", key, got, wantWI)
				}
				checkService(t, key, objs, d)
				checkPDB(t, key, objs, d)
				checkNetworkPolicy(t, key, objs, d)
				checkTestPod(t, key, objs, d)
				var hpa *autoscalingv2.HorizontalPodAutoscaler
				for _, h := range Find[*autoscalingv2.HorizontalPodAutoscaler](objs) {
					if h.Spec.ScaleTargetRef.Kind == "Deployment" && h.Spec.ScaleTargetRef.Name == d.Name {
						hpa = h
					}
				}
				if key == "banner-actor" {
					if hpa == nil {
						t.Error("banner-actor has no HPA")
					} else if len(hpa.Spec.Metrics) == 0 || hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas > hpa.Spec.MaxReplicas {
						t.Errorf("banner-actor HPA: %+v", hpa.Spec)
					}
				}
				if (hpa != nil || key == "consumer") && d.Spec.Replicas != nil {
					t.Errorf("%s: replicas set although an autoscaler owns them", key)
				}
				if hpa == nil && key != "consumer" && d.Spec.Replicas == nil {
					t.Errorf("%s: no replicas and no autoscaler", key)
				}
			}
		})
	}
}

func checkProbe(t *testing.T, what string, p *corev1.Probe, path string) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s probe: not an HTTP GET", what)
		return
	}
	if p.HTTPGet.Path != path || p.HTTPGet.Port.String() != "http" {
		t.Errorf("%s probe: GET %s on %s, want %s on the app port", what, p.HTTPGet.Path, p.HTTPGet.Port.String(), path)
	}
}

func checkService(t *testing.T, key string, objs []Object, d *appsv1.Deployment) {
	t.Helper()
	for _, s := range Find[*corev1.Service](objs) {
		if selects(s.Spec.Selector, d.Spec.Template.Labels) {
			if len(s.Spec.Ports) != 1 || s.Spec.Ports[0].TargetPort.String() != "http" {
				t.Errorf("%s: Service ports %+v", key, s.Spec.Ports)
			}
			return
		}
	}
	t.Errorf("%s: no Service selects its pods", key)
}

func checkPDB(t *testing.T, key string, objs []Object, d *appsv1.Deployment) {
	t.Helper()
	for _, p := range Find[*policyv1.PodDisruptionBudget](objs) {
		if p.Spec.Selector != nil && selects(p.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
			if (p.Spec.MinAvailable == nil) == (p.Spec.MaxUnavailable == nil) {
				t.Errorf("%s: PDB needs exactly one of minAvailable and maxUnavailable", key)
			}
			return
		}
	}
	t.Errorf("%s: no PodDisruptionBudget", key)
}

func checkNetworkPolicy(t *testing.T, key string, objs []Object, d *appsv1.Deployment) {
	t.Helper()
	for _, np := range Find[*networkingv1.NetworkPolicy](objs) {
		if !selects(np.Spec.PodSelector.MatchLabels, d.Spec.Template.Labels) {
			continue
		}
		if len(np.Spec.PolicyTypes) != 1 || np.Spec.PolicyTypes[0] != networkingv1.PolicyTypeIngress {
			t.Errorf("%s: NetworkPolicy policyTypes %v, want [Ingress]", key, np.Spec.PolicyTypes)
		}
		open := map[string]bool{}
		for _, r := range np.Spec.Ingress {
			if len(r.From) == 0 {
				t.Errorf("%s: NetworkPolicy rule open to every source", key)
			}
			for _, p := range r.Ports {
				if p.Port != nil {
					open[p.Port.String()] = true
				}
			}
		}
		for _, p := range []string{"http", "50002"} {
			if !open[p] {
				t.Errorf("%s: NetworkPolicy does not admit port %s", key, p)
			}
		}
		for _, p := range []string{"3500", "50001"} {
			if open[p] {
				t.Errorf("%s: NetworkPolicy opens daprd's API port %s to other pods", key, p)
			}
		}
		return
	}
	t.Errorf("%s: no NetworkPolicy", key)
}

func checkTestPod(t *testing.T, key string, objs []Object, d *appsv1.Deployment) {
	t.Helper()
	var svc *corev1.Service
	for _, s := range Find[*corev1.Service](objs) {
		if selects(s.Spec.Selector, d.Spec.Template.Labels) {
			svc = s
		}
	}
	if svc == nil {
		return
	}
	want := fmt.Sprintf("http://%s:%d/readyz", svc.Name, svc.Spec.Ports[0].Port)
	for _, p := range Find[*corev1.Pod](objs) {
		if p.Annotations["helm.sh/hook"] != "test" || len(p.Spec.Containers) != 1 {
			continue
		}
		c := p.Spec.Containers[0]
		if e, _ := envValue(c, "URL"); e.Value == want {
			if c.Image != "busybox:1.36" {
				t.Errorf("%s: test image %q, want the default busybox:1.36", key, c.Image)
			}
			if p.Spec.RestartPolicy != corev1.RestartPolicyNever {
				t.Errorf("%s: test pod restartPolicy %q", key, p.Spec.RestartPolicy)
			}
			if !strings.Contains(strings.Join(c.Command, " "), "wget") {
				t.Errorf("%s: test pod does not wget", key)
			}
			return
		}
	}
	t.Errorf("%s: no helm test pod GETs %s", key, want)
}

// TestLabelsAndNames: every object carries the app.kubernetes.io labels
// and fits the 63-character limits, also with the longest release name.
func TestLabelsAndNames(t *testing.T) {
	check := func(t *testing.T, objs []Object) {
		t.Helper()
		seen := map[string]bool{}
		for _, o := range objs {
			if id := o.Type.Kind + "/" + o.Name; seen[id] {
				t.Errorf("two objects named %s", id)
			} else {
				seen[id] = true
			}
			m := reflect.ValueOf(o.Obj).Elem().FieldByName("ObjectMeta")
			if !m.IsValid() {
				t.Fatalf("%v has no ObjectMeta", o)
			}
			labels := m.FieldByName("Labels").Interface().(map[string]string)
			for _, l := range []string{
				"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
				"app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by", "helm.sh/chart",
			} {
				if labels[l] == "" {
					t.Errorf("%v: label %s missing", o, l)
				}
			}
			for k, v := range labels {
				if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
					t.Errorf("%v: label %s=%q: %v", o, k, v, errs)
				}
			}
			if errs := validation.IsDNS1123Subdomain(o.Name); len(errs) > 0 {
				t.Errorf("%v: name: %v", o, errs)
			}
			if len(o.Name) > 63 {
				t.Errorf("%v: name longer than 63 characters", o)
			}
		}
	}
	for _, f := range flavors {
		t.Run(f.Name, func(t *testing.T) {
			_, objs := renderFlavor(t, f)
			check(t, objs)
		})
	}
	t.Run("long-release-name", func(t *testing.T) {
		requireHelm(t)
		long := strings.Repeat("r", 53) // helm's longest release name
		out, err := runHelm(t, "template", long, chartDir, "--namespace", namespace)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		objs, err := DecodeManifest(out)
		if err != nil {
			t.Fatal(err)
		}
		check(t, objs)
	})
}

// TestAPIKeysReachTheServices: producer and banner-actor get the API key
// env (secret store, Secret, AUTH_READS), the consumer none; the chart's
// Secret holds a generated key, or the given ones; the kubernetes secret
// store may `get` that one Secret and nothing else, through the two
// services' ServiceAccounts, and only their pods mount a token.
func TestAPIKeysReachTheServices(t *testing.T) {
	for _, f := range flavors {
		t.Run(f.Name, func(t *testing.T) {
			_, objs := renderFlavor(t, f)
			secret := "airdisplay-api-keys"
			checkAPIKeyEnv(t, objs, "kubernetes", secret, "false")
			secrets := map[string]*corev1.Secret{}
			for _, s := range Find[*corev1.Secret](objs) {
				secrets[s.Name] = s
			}
			if f.Name == "azure" {
				if _, ok := secrets[secret]; ok {
					t.Error("azure: the chart renders the API key Secret the deployer provides")
				}
			} else if s := secrets[secret]; s == nil {
				t.Errorf("no Secret %s", secret)
			} else if len(s.Data) != 1 || len(s.Data["default"]) != 40 {
				t.Errorf("Secret %s: want one generated 40-character key for client default, got entries %d", secret, len(s.Data))
			}
			roles := Find[*rbacv1.Role](objs)
			bindings := Find[*rbacv1.RoleBinding](objs)
			if len(roles) != 1 || len(bindings) != 1 {
				t.Fatalf("%d Roles and %d RoleBindings, want 1 each", len(roles), len(bindings))
			}
			want := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{secret}, Verbs: []string{"get"}}}
			if !reflect.DeepEqual(roles[0].Rules, want) {
				t.Errorf("Role rules %+v, want get on Secret %s only", roles[0].Rules, secret)
			}
			b := bindings[0]
			if b.RoleRef.Kind != "Role" || b.RoleRef.Name != roles[0].Name {
				t.Errorf("RoleBinding refers to %s %s", b.RoleRef.Kind, b.RoleRef.Name)
			}
			var subjects []string
			for _, s := range b.Subjects {
				if s.Kind != "ServiceAccount" || s.Namespace != roles[0].Namespace {
					t.Errorf("RoleBinding subject %+v", s)
				}
				subjects = append(subjects, s.Name)
			}
			if !sameSet(subjects, []string{"airdisplay-producer", "airdisplay-banner-actor"}) {
				t.Errorf("RoleBinding subjects %v, want the producer's and banner-actor's ServiceAccounts", subjects)
			}
		})
	}
	t.Run("given keys, reads protected, another store", func(t *testing.T) {
		f := flavorByName(t, "kind")
		manifest, err := renderE(t, f.ValuesFiles, map[string]string{
			"auth.keys.ci":      "ci-key-0123456789abcdef",
			"auth.keys.ui":      "ui-key-0123456789abcdef",
			"auth.protectReads": "true",
			"dapr.secretStore":  "vault",
		})
		if err != nil {
			t.Fatal(err)
		}
		objs, err := DecodeManifest(manifest)
		if err != nil {
			t.Fatal(err)
		}
		checkAPIKeyEnv(t, objs, "vault", "airdisplay-api-keys", "true")
		for _, s := range Find[*corev1.Secret](objs) {
			if s.Name == "airdisplay-api-keys" && (string(s.Data["ci"]) != "ci-key-0123456789abcdef" || string(s.Data["ui"]) != "ui-key-0123456789abcdef" || len(s.Data) != 2) {
				t.Errorf("Secret entries %v", s.Data)
			}
		}
		if n := len(Find[*rbacv1.Role](objs)); n != 0 {
			t.Errorf("%d Roles for a store other than kubernetes", n)
		}
		for _, d := range Find[*appsv1.Deployment](objs) {
			if a := d.Spec.Template.Spec.AutomountServiceAccountToken; a == nil || *a {
				t.Errorf("%s mounts its token though no kubernetes store reads the keys", d.Name)
			}
		}
	})
	t.Run("a key unfit for a WebSocket subprotocol is refused", func(t *testing.T) {
		f := flavorByName(t, "kind")
		if _, err := renderE(t, f.ValuesFiles, map[string]string{"auth.keys.bad": "has spaces and is long"}); err == nil {
			t.Error("the schema accepted a key with spaces")
		}
	})
}

func checkAPIKeyEnv(t *testing.T, objs []Object, store, secret, reads string) {
	t.Helper()
	byID := deploymentsByAppID(objs)
	for _, id := range []string{"producer", "banner-actor", "consumer"} {
		d := byID[id]
		if d == nil {
			t.Fatalf("no Deployment for %s", id)
		}
		c := d.Spec.Template.Spec.Containers[0]
		for name, want := range map[string]string{"API_KEYS_SECRET_STORE": store, "API_KEYS_SECRET": secret, "AUTH_READS": reads} {
			got, ok := envValue(c, name)
			if id == "consumer" {
				if ok {
					t.Errorf("consumer has %s", name)
				}
				continue
			}
			if !ok || got.Value != want || got.ValueFrom != nil {
				t.Errorf("%s: %s = %+v, want %q", id, name, got, want)
			}
		}
	}
}

// A sidecar whose pod mounts no service account token cannot start Dapr's
// built-in "kubernetes" secret store (daprd exits: a kind cluster showed
// the consumer crash-looping), so such pods turn it off; component
// secretKeyRefs are resolved by the Dapr operator without it.
func TestTokenlessSidecarsDisableTheBuiltinSecretStore(t *testing.T) {
	for _, f := range flavors {
		t.Run(f.Name, func(t *testing.T) {
			_, objs := renderFlavor(t, f)
			for _, d := range Find[*appsv1.Deployment](objs) {
				spec := d.Spec.Template.Spec
				tokenless := spec.AutomountServiceAccountToken != nil && !*spec.AutomountServiceAccountToken
				got := d.Spec.Template.Annotations["dapr.io/disable-builtin-k8s-secret-store"] == "true"
				if tokenless != got {
					t.Errorf("%s: no token %v, builtin kubernetes secret store disabled %v", d.Name, tokenless, got)
				}
			}
		})
	}
}

// TestGoMemLimitIsNinetyPercentOfEachMemoryLimit: every app and every
// sidecar gets GOMEMLIMIT at 90 % of its container's memory limit (Dapr's
// production guide for daprd), so the Go GC works harder near the limit
// rather than the container being OOM-killed; a limit the chart cannot
// convert is refused at render time.
func TestGoMemLimitIsNinetyPercentOfEachMemoryLimit(t *testing.T) {
	mib := func(q resource.Quantity) string { return fmt.Sprintf("%dMiB", q.Value()*9/10/(1<<20)) }
	for _, f := range flavors {
		t.Run(f.Name, func(t *testing.T) {
			_, objs := renderFlavor(t, f)
			for id, d := range deploymentsByAppID(objs) {
				app := d.Spec.Template.Spec.Containers[0]
				e, ok := envValue(app, "GOMEMLIMIT")
				if want := mib(app.Resources.Limits[corev1.ResourceMemory]); !ok || e.Value != want {
					t.Errorf("%s: app GOMEMLIMIT %q, want %s (90 %% of %s)", id, e.Value, want, app.Resources.Limits.Memory())
				}
				limit := resource.MustParse(d.Spec.Template.Annotations["dapr.io/sidecar-memory-limit"])
				var got string
				for _, kv := range strings.Split(d.Spec.Template.Annotations["dapr.io/env"], ",") {
					if v, ok := strings.CutPrefix(kv, "GOMEMLIMIT="); ok {
						got = v
					}
				}
				if want := mib(limit); got != want {
					t.Errorf("%s: daprd GOMEMLIMIT %q (dapr.io/env %q), want %s (90 %% of %s)", id, got, d.Spec.Template.Annotations["dapr.io/env"], want, limit.String())
				}
			}
		})
	}
	_, err := renderE(t, nil, map[string]string{"dapr.sidecar.resources.limits.memory": "1G"})
	if err == nil || !strings.Contains(err.Error(), "give it in Mi or Gi") {
		t.Errorf("a 1G sidecar limit rendered: %v", err)
	}
}
