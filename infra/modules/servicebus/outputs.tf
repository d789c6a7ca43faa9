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

output "topic_names" {
  description = "Names of the topics, by topic name (map keyed like topic_ids)."
  value       = { for k, t in azurerm_servicebus_topic.this : k => t.name }
}

output "topic_ids" {
  description = "Resource IDs of the topics, by topic name (scopes of per-topic role assignments)."
  value       = { for k, t in azurerm_servicebus_topic.this : k => t.id }
}

output "topic_role_assignments" {
  description = "The topic role assignments, keyed <topic>/<topic_data_owner_principal_ids key>: id, scope (the topic's ID), role_definition_name and principal_id."
  value = {
    for k, a in azurerm_role_assignment.topic_data_owner : k => {
      id                   = a.id
      scope                = a.scope
      role_definition_name = a.role_definition_name
      principal_id         = a.principal_id
    }
  }
}
