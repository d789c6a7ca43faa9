# The output contract read by the deployer (infra/deploy), with the same names
# as the azure environment; Azure-only values are empty.

output "flavor" {
  description = "Kind of environment: kind."
  value       = "kind"
}

output "cluster_name" {
  description = "Name of the kind cluster."
  value       = var.cluster_name
}

output "resource_group_name" {
  description = "Empty: kind has no resource group."
  value       = ""
}

output "registry_login_server" {
  description = "Registry host of the image references (images are loaded into the nodes)."
  value       = var.registry_login_server
}

output "namespace" {
  description = "Kubernetes namespace of the AirDisplay services."
  value       = kubernetes_namespace_v1.app.metadata[0].name
}

output "servicebus_namespace_fqdn" {
  description = "Empty: kind uses RabbitMQ instead of Service Bus."
  value       = ""
}

output "jobs_queue_name" {
  description = "Name of the RabbitMQ job queue and its exchange (the airdisplay chart's jobsQueue.name, the topic of the jobs pub/sub)."
  value       = var.jobs_queue_name
}

output "banner_events_topic" {
  description = "Empty: on kind the banner events go through Redis pub/sub, which needs no topic provisioned."
  value       = ""
}

output "redis_host" {
  description = "In-cluster host name of Redis."
  value       = local.redis_host
}

output "redis_port" {
  description = "Port of Redis (no TLS in kind)."
  value       = local.backing.redis.port
}

output "redis_clustering_policy" {
  description = "Empty: kind runs one Redis node, not a cluster."
  value       = ""
}

output "producer_client_id" {
  description = "Empty: no workload identity on kind."
  value       = ""
}

output "consumer_client_id" {
  description = "Empty: no workload identity on kind."
  value       = ""
}

output "banner_actor_client_id" {
  description = "Empty: no workload identity on kind."
  value       = ""
}

output "keda_client_id" {
  description = "Empty: no workload identity on kind."
  value       = ""
}

output "tenant_id" {
  description = "Empty: no Entra ID tenant on kind."
  value       = ""
}

output "rabbitmq_secret_name" {
  description = "Name of the secret (in the services' namespace) whose key RABBITMQ_URL holds the AMQP URL. Only the name: marked sensitive because the deployer's checks treat every *secret* output so."
  value       = local.backing.rabbitmq.urlSecret.name
  sensitive   = true
}
