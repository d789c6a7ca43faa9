locals {
  # Audience Entra ID expects in Kubernetes-issued federated tokens.
  token_audience = "api://AzureADTokenExchange"

  # One entry per (service account, role): "<key>-<index>" => role.
  role_assignments = merge([
    for key, sa in var.service_accounts : {
      for index, role in sa.roles : "${key}-${index}" => {
        service_account      = key
        scope                = role.scope
        role_definition_name = role.role_definition_name
      }
    }
  ]...)
}
