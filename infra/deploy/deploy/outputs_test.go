package deploy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"
)

func rawOutputs(t *testing.T, values map[string]any) map[string]tfexec.OutputMeta {
	t.Helper()
	out := map[string]tfexec.OutputMeta{}
	for name, v := range values {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = tfexec.OutputMeta{Value: b}
	}
	return out
}

func azureOutputs() map[string]any {
	return map[string]any{
		"flavor": "azure", "cluster_name": "aks-x", "resource_group_name": "rg-x",
		"registry_login_server": "acrx.azurecr.io", "namespace": "airdisplay",
		"servicebus_namespace_fqdn": "sb-x.servicebus.windows.net", "jobs_queue_name": "jobs",
		"banner_events_topic": "banner-updated", "redis_host": "redis-x.westeurope.redis.azure.net",
		"redis_port": 10000, "redis_clustering_policy": "OSSCluster",
		"producer_client_id": "11111111-1111-4111-8111-111111111111", "consumer_client_id": "22222222-2222-4222-8222-222222222222",
		"banner_actor_client_id": "33333333-3333-4333-8333-333333333333", "keda_client_id": "44444444-4444-4444-8444-444444444444",
		"tenant_id": "55555555-5555-4555-8555-555555555555",
	}
}

// The azure outputs reach the chart: Redis port 10000 and the banner
// events' topic.
func TestAzureOutputsBecomeChartValues(t *testing.T) {
	o, err := ParseOutputs(rawOutputs(t, azureOutputs()))
	if err != nil {
		t.Fatal(err)
	}
	if o.RedisPort != 10000 || o.RedisClusteringPolicy != "OSSCluster" || o.BannerEventsTopic != "banner-updated" {
		t.Fatalf("outputs: %+v", o)
	}
	raw, err := HelmValues(o, "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"port: 10000", "bannerEventsTopic: banner-updated", "host: redis-x.westeurope.redis.azure.net"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("values lack %q:\n%s", want, raw)
		}
	}
}

// An azure environment whose Redis is not an OSS cluster, or without the
// banner events' topic, does not fit the chart: the deployer says so before
// installing anything.
func TestAzureOutputsNeedAnOSSClusterAndTheTopic(t *testing.T) {
	for name, c := range map[string]struct {
		set     map[string]any
		wantErr string
	}{
		"enterprise cluster policy": {map[string]any{"redis_clustering_policy": "EnterpriseCluster"}, "redis_clustering_policy"},
		"no clustering policy":      {map[string]any{"redis_clustering_policy": ""}, "redis_clustering_policy"},
		"no topic":                  {map[string]any{"banner_events_topic": ""}, "banner_events_topic"},
	} {
		t.Run(name, func(t *testing.T) {
			v := azureOutputs()
			for k, x := range c.set {
				v[k] = x
			}
			if _, err := ParseOutputs(rawOutputs(t, v)); err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err = %v, want one naming %s", err, c.wantErr)
			}
		})
	}
	// kind has neither: one Redis node, Redis pub/sub.
	v := azureOutputs()
	v["flavor"], v["redis_clustering_policy"], v["banner_events_topic"] = "kind", "", ""
	if _, err := ParseOutputs(rawOutputs(t, v)); err != nil {
		t.Fatalf("kind: %v", err)
	}
}
