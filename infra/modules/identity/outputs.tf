output "client_ids" {
  description = "Client IDs of the managed identities by service_accounts key (for the azure.workload.identity/client-id annotation)."
  value       = { for k, id in azurerm_user_assigned_identity.this : k => id.client_id }
}

output "principal_ids" {
  description = "Principal (object) IDs of the managed identities by service_accounts key."
  value       = { for k, id in azurerm_user_assigned_identity.this : k => id.principal_id }
}

output "ids" {
  description = "Resource IDs of the managed identities by service_accounts key."
  value       = { for k, id in azurerm_user_assigned_identity.this : k => id.id }
}

output "names" {
  description = "Names of the managed identities by service_accounts key."
  value       = { for k, id in azurerm_user_assigned_identity.this : k => id.name }
}

output "federated_subjects" {
  description = "Federated credential subjects (system:serviceaccount:<namespace>:<name>) by service_accounts key."
  value       = { for k, c in azurerm_federated_identity_credential.this : k => c.subject }
}

output "role_assignment_ids" {
  description = "Resource IDs of the role assignments, keyed <service account key>-<role index>."
  value       = { for k, a in azurerm_role_assignment.this : k => a.id }
}
