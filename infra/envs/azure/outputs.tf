# The output contract read by the deployer (infra/deploy); the kind
# environment declares the same names.

output "flavor" {
  description = "Kind of environment: azure."
  value       = "azure"
}

output "cluster_name" {
  description = "Name of the AKS cluster."
  value       = module.aks.name
}

output "resource_group_name" {
  description = "Resource group of the environment."
  value       = azurerm_resource_group.this.name
}

output "registry_login_server" {
  description = "Login server of the container registry the images are pushed to."
  value       = module.acr.login_server
}

output "namespace" {
  description = "Kubernetes namespace of the AirDisplay services."
  value       = var.namespace
}

output "servicebus_namespace_fqdn" {
  description = "Host name of the Service Bus namespace (<name>.servicebus.windows.net)."
  value       = module.servicebus.fqdn
}

output "jobs_queue_name" {
  description = "Name of the job queue."
  value       = module.servicebus.queue_name
}

output "banner_events_topic" {
  description = "Service Bus topic of the banner events (banner-updated), the chart's azure.serviceBus.bannerEventsTopic."
  value       = module.servicebus.topic_names[var.banner_events_topic_name]
}

output "redis_host" {
  description = "Host name of Azure Managed Redis (<name>.<region>.redis.azure.net)."
  value       = module.redis.hostname
}

output "redis_port" {
  description = "TLS port of Azure Managed Redis (10000)."
  value       = module.redis.port
}

output "redis_clustering_policy" {
  description = "Clustering policy of Azure Managed Redis: OSSCluster, so the chart's Redis components run redisType: cluster."
  value       = module.redis.clustering_policy
}

output "producer_client_id" {
  description = "Client ID of the producer's workload identity."
  value       = module.identity.client_ids["producer"]
}

output "consumer_client_id" {
  description = "Client ID of the consumer's workload identity."
  value       = module.identity.client_ids["consumer"]
}

output "banner_actor_client_id" {
  description = "Client ID of the banner-actor's workload identity."
  value       = module.identity.client_ids["banner-actor"]
}

output "keda_client_id" {
  description = "Client ID of the KEDA operator's workload identity."
  value       = module.identity.client_ids["keda"]
}

output "tenant_id" {
  description = "Entra ID tenant of the workload identities."
  value       = data.azurerm_client_config.current.tenant_id
}
