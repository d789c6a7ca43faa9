// Package deploy provisions an environment with Terraform, publishes the
// service images and installs the Helm chart with values taken from the
// environment's outputs. `make deploy ENV=azure|kind` runs it.
package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// Outputs is the contract every environment under infra/envs honours:
// the outputs the deployer reads, by the same names in every environment.
type Outputs struct {
	Flavor                  string // "azure" or "kind"
	ClusterName             string
	ResourceGroupName       string
	RegistryLoginServer     string
	Namespace               string
	ServiceBusNamespaceFQDN string
	JobsQueueName           string
	BannerEventsTopic       string // Service Bus topic of the banner events (azure)
	RedisHost               string
	RedisPort               int
	RedisClusteringPolicy   string // "OSSCluster" on azure; empty on kind (one node)
	ProducerClientID        string
	ConsumerClientID        string
	BannerActorClientID     string
	KedaClientID            string
	TenantID                string
}

// AzureRedisClusteringPolicy is the clustering policy of Azure Managed Redis
// the chart's azure Redis components (redisType: cluster) are written for.
const AzureRedisClusteringPolicy = "OSSCluster"

// OutputNames lists the Terraform outputs the deployer requires; the
// static checks assert every environment declares each of them.
var OutputNames = []string{
	"flavor", "cluster_name", "resource_group_name", "registry_login_server", "namespace",
	"servicebus_namespace_fqdn", "jobs_queue_name", "banner_events_topic",
	"redis_host", "redis_port", "redis_clustering_policy",
	"producer_client_id", "consumer_client_id", "banner_actor_client_id", "keda_client_id", "tenant_id",
}

// ParseOutputs reads the contract from `terraform output`, naming every
// missing or mistyped output.
func ParseOutputs(raw map[string]tfexec.OutputMeta) (Outputs, error) {
	var errs []error
	str := func(name string) string {
		m, ok := raw[name]
		if !ok {
			errs = append(errs, fmt.Errorf("output %q is missing", name))
			return ""
		}
		var s string
		if err := json.Unmarshal(m.Value, &s); err != nil {
			// Numbers are accepted where strings are expected.
			var n json.Number
			if json.Unmarshal(m.Value, &n) == nil {
				return n.String()
			}
			errs = append(errs, fmt.Errorf("output %q: want a string, got %s", name, m.Value))
		}
		return s
	}
	o := Outputs{
		Flavor: str("flavor"), ClusterName: str("cluster_name"), ResourceGroupName: str("resource_group_name"),
		RegistryLoginServer: str("registry_login_server"), Namespace: str("namespace"),
		ServiceBusNamespaceFQDN: str("servicebus_namespace_fqdn"), JobsQueueName: str("jobs_queue_name"),
		BannerEventsTopic: str("banner_events_topic"), RedisHost: str("redis_host"),
		RedisClusteringPolicy: str("redis_clustering_policy"), ProducerClientID: str("producer_client_id"),
		ConsumerClientID: str("consumer_client_id"), BannerActorClientID: str("banner_actor_client_id"),
		KedaClientID: str("keda_client_id"), TenantID: str("tenant_id"),
	}
	if p := str("redis_port"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("output redis_port: %q is not a port", p))
		}
		o.RedisPort = n
	}
	switch o.Flavor {
	case "azure", "kind", "":
	default:
		errs = append(errs, fmt.Errorf("output flavor: %q, want azure or kind", o.Flavor))
	}
	if o.Flavor == "azure" {
		for name, v := range map[string]string{
			"servicebus_namespace_fqdn": o.ServiceBusNamespaceFQDN, "producer_client_id": o.ProducerClientID,
			"consumer_client_id": o.ConsumerClientID, "banner_actor_client_id": o.BannerActorClientID,
			"keda_client_id": o.KedaClientID, "registry_login_server": o.RegistryLoginServer,
			"banner_events_topic": o.BannerEventsTopic,
		} {
			if v == "" {
				errs = append(errs, fmt.Errorf("output %q is empty; the azure flavor needs it", name))
			}
		}
		// The chart's azure Redis components are Redis Cluster clients
		// (redisType: cluster): Azure Managed Redis must run the OSS policy.
		if o.RedisClusteringPolicy != AzureRedisClusteringPolicy {
			errs = append(errs, fmt.Errorf("output redis_clustering_policy: %q, want %s (the chart's Redis components run redisType: cluster)", o.RedisClusteringPolicy, AzureRedisClusteringPolicy))
		}
	}
	return o, errors.Join(errs...)
}
