output "id" {
  description = "Resource ID of the Service Bus namespace."
  value       = azurerm_servicebus_namespace.this.id
}

output "name" {
  description = "Name of the Service Bus namespace."
  value       = azurerm_servicebus_namespace.this.name
}

output "fqdn" {
  description = "Fully qualified host name of the namespace, <name>.servicebus.windows.net in the public cloud."
  value       = local.fqdn
}

output "endpoint" {
  description = "Endpoint URL of the namespace."
  value       = azurerm_servicebus_namespace.this.endpoint
}

output "queue_name" {
  description = "Name of the job queue."
  value       = azurerm_servicebus_queue.jobs.name
}

output "queue_id" {
  description = "Resource ID of the job queue (scope for per-queue data-plane role assignments)."
  value       = azurerm_servicebus_queue.jobs.id
}
