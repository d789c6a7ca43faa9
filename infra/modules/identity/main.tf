# One user-assigned identity per Kubernetes service account.
resource "azurerm_user_assigned_identity" "this" {
  for_each = var.service_accounts

  name                = "${var.name_prefix}-${each.key}"
  location            = var.location
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

# Trust tokens the cluster issues to exactly that service account.
resource "azurerm_federated_identity_credential" "this" {
  for_each = var.service_accounts

  name                      = "${each.key}-${each.value.namespace}"
  user_assigned_identity_id = azurerm_user_assigned_identity.this[each.key].id
  audience                  = [local.token_audience]
  issuer                    = var.oidc_issuer_url
  subject                   = "system:serviceaccount:${each.value.namespace}:${each.value.name}"
}

resource "azurerm_role_assignment" "this" {
  for_each = local.role_assignments

  scope                            = each.value.scope
  role_definition_name             = each.value.role_definition_name
  principal_id                     = azurerm_user_assigned_identity.this[each.value.service_account].principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}
