resource "azurerm_container_registry" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  sku                 = var.sku

  # Entra ID only: no admin user with a static credential.
  admin_enabled                 = false
  public_network_access_enabled = var.public_network_access_enabled

  tags = var.tags
}

# AcrPull for the given principals, e.g. the AKS kubelet identity so nodes
# pull images without image pull secrets.
resource "azurerm_role_assignment" "pull" {
  for_each = var.pull_principal_ids

  scope                            = azurerm_container_registry.this.id
  role_definition_name             = local.pull_role_definition_name
  principal_id                     = each.value
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}
