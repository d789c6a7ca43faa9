output "id" {
  description = "Resource ID of the Managed Redis instance."
  value       = azurerm_managed_redis.this.id
}

output "name" {
  description = "Name of the Managed Redis instance."
  value       = azurerm_managed_redis.this.name
}

output "hostname" {
  description = "Host name of the instance, <name>.<region>.redis.azure.net."
  value       = azurerm_managed_redis.this.hostname
}

output "port" {
  description = "TLS port of the database (10000)."
  value       = azurerm_managed_redis.this.default_database[0].port
}

output "clustering_policy" {
  description = "Clustering policy of the database (OSSCluster: clients use the Redis Cluster API)."
  value       = azurerm_managed_redis.this.default_database[0].clustering_policy
}

output "access_policy_assignment_ids" {
  description = "Resource IDs of the access policy assignments, by access_policy_object_ids key."
  value       = { for k, a in azurerm_managed_redis_access_policy_assignment.this : k => a.id }
}

output "access_policy_object_ids" {
  description = "Object IDs (Redis user names) given access, by access_policy_object_ids key."
  value       = { for k, a in azurerm_managed_redis_access_policy_assignment.this : k => a.object_id }
}
