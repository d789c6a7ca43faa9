locals {
  # Chart values owned by this module; extra_values are applied after them.
  # With azure workload identity on, the chart labels the operator pod and
  # annotates its service account with the client and tenant IDs.
  values = {
    serviceAccount = {
      operator = {
        create = true
        name   = var.operator_service_account_name
      }
    }
    podIdentity = {
      azureWorkload = {
        enabled  = var.azure_workload_identity_enabled
        clientId = var.azure_workload_identity_enabled ? var.workload_identity_client_id : ""
        tenantId = var.azure_workload_identity_enabled ? var.tenant_id : ""
      }
    }
  }
}
