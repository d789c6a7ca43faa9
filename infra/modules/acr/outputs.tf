output "id" {
  description = "Resource ID of the registry."
  value       = azurerm_container_registry.this.id
}

output "name" {
  description = "Name of the registry."
  value       = azurerm_container_registry.this.name
}

output "login_server" {
  description = "Login server of the registry, <name>.azurecr.io."
  value       = azurerm_container_registry.this.login_server
}

output "pull_role_assignment_ids" {
  description = "Resource IDs of the AcrPull role assignments, by key of pull_principal_ids."
  value       = { for k, a in azurerm_role_assignment.pull : k => a.id }
}
