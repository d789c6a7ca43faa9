package deploy

import (
	"fmt"

	"sigs.k8s.io/yaml"
)

// HelmValues turns an environment's outputs into values for the
// helm/airdisplay chart, layered over the flavor's values-<flavor>.yaml.
func HelmValues(o Outputs, tag string) ([]byte, error) {
	v := map[string]any{
		"flavor": o.Flavor,
		"image": map[string]any{
			"registry":         o.RegistryLoginServer,
			"repositoryPrefix": "airdisplay",
			"tag":              tag,
		},
		"jobsQueue": map[string]any{"name": o.JobsQueueName},
	}
	switch o.Flavor {
	case "kind":
		v["kind"] = map[string]any{
			"redis": map[string]any{"host": o.RedisHost, "port": o.RedisPort},
		}
	case "azure":
		v["azure"] = map[string]any{
			"tenantId": o.TenantID,
			"serviceBus": map[string]any{
				"namespaceFQDN":     o.ServiceBusNamespaceFQDN,
				"bannerEventsTopic": o.BannerEventsTopic,
			},
			"redis": map[string]any{"host": o.RedisHost, "port": o.RedisPort},
			"workloadIdentity": map[string]any{
				"clientIds": map[string]any{
					"producer":     o.ProducerClientID,
					"consumer":     o.ConsumerClientID,
					"banner-actor": o.BannerActorClientID,
				},
				"kedaClientId": o.KedaClientID,
			},
		}
	default:
		return nil, fmt.Errorf("flavor %q: want azure or kind", o.Flavor)
	}
	return yaml.Marshal(v)
}
