package deploy

import (
	"os"
	"testing"

	"sigs.k8s.io/yaml"
)

func dig(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

// assertValues checks the values carry every output the chart needs.
func assertValues(t *testing.T, v map[string]any, o Outputs) {
	t.Helper()
	want := map[string]any{
		"flavor":                                        o.Flavor,
		"image.registry":                                o.RegistryLoginServer,
		"image.tag":                                     "1.2.3",
		"jobsQueue.name":                                o.JobsQueueName,
		"azure.redis.host":                              o.RedisHost,
		"azure.redis.port":                              float64(o.RedisPort),
		"azure.tenantId":                                o.TenantID,
		"azure.serviceBus.namespaceFQDN":                o.ServiceBusNamespaceFQDN,
		"azure.serviceBus.bannerEventsTopic":            o.BannerEventsTopic,
		"azure.workloadIdentity.clientIds.producer":     o.ProducerClientID,
		"azure.workloadIdentity.clientIds.consumer":     o.ConsumerClientID,
		"azure.workloadIdentity.clientIds.banner-actor": o.BannerActorClientID,
		"azure.workloadIdentity.kedaClientId":           o.KedaClientID,
	}
	for path, w := range want {
		var parts []string
		start := 0
		for i := 0; i <= len(path); i++ {
			if i == len(path) || path[i] == '.' {
				parts = append(parts, path[start:i])
				start = i + 1
			}
		}
		if got := dig(v, parts...); got != w {
			t.Errorf("values %s = %v, want %v", path, got, w)
		}
	}
}

func TestKindValuesPointAtTheInClusterRedis(t *testing.T) {
	raw, err := HelmValues(Outputs{Flavor: "kind", RegistryLoginServer: "kind.local", JobsQueueName: "jobs", RedisHost: "redis.airdisplay.svc.cluster.local", RedisPort: 6379}, "0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	if s := string(raw); !contains(s, "host: redis.airdisplay.svc.cluster.local") || contains(s, "azure:") {
		t.Fatalf("kind values:\n%s", s)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// The token Secrets the deployer creates are the ones the chart's azure
// flavor references.
func TestTokenSecretsAreTheChartsExistingSecrets(t *testing.T) {
	raw, err := os.ReadFile("../../../helm/airdisplay/values-azure.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	got := []any{dig(v, "apiTokens", "existingSecret", "daprApiToken"), dig(v, "apiTokens", "existingSecret", "appApiToken")}
	if dig(v, "apiTokens", "create") != false || got[0] != APITokenSecrets[0] || got[1] != APITokenSecrets[1] {
		t.Fatalf("values-azure.yaml apiTokens: create %v, secrets %v; the deployer creates %v", dig(v, "apiTokens", "create"), got, APITokenSecrets)
	}
	if dig(v, "auth", "create") != false || dig(v, "auth", "existingSecret") != APIKeysSecret {
		t.Fatalf("values-azure.yaml auth: create %v, existingSecret %v; the deployer creates %s", dig(v, "auth", "create"), dig(v, "auth", "existingSecret"), APIKeysSecret)
	}
}
