output "id" {
  description = "Resource ID of the cache."
  value       = azurerm_redis_cache.this.id
}

output "name" {
  description = "Name of the cache."
  value       = azurerm_redis_cache.this.name
}

output "hostname" {
  description = "Host name of the cache, <name>.redis.cache.windows.net."
  value       = azurerm_redis_cache.this.hostname
}

output "ssl_port" {
  description = "TLS port of the cache (6380)."
  value       = azurerm_redis_cache.this.ssl_port
}

output "access_policy_assignment_ids" {
  description = "Resource IDs of the access policy assignments, by assignment name."
  value       = { for k, a in azurerm_redis_cache_access_policy_assignment.this : k => a.id }
}
