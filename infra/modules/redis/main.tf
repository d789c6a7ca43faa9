resource "azurerm_redis_cache" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name

  sku_name      = var.sku_name
  family        = var.family
  capacity      = var.capacity
  redis_version = var.redis_version

  # TLS only, Entra ID only: no plain port, no access keys.
  non_ssl_port_enabled               = false
  minimum_tls_version                = "1.2"
  access_keys_authentication_enabled = false
  public_network_access_enabled      = var.public_network_access_enabled

  redis_configuration {
    active_directory_authentication_enabled = true
  }

  tags = var.tags

  lifecycle {
    postcondition {
      condition     = self.ssl_port == local.ssl_port
      error_message = "The cache does not serve TLS on port ${local.ssl_port}; the Dapr components expect it there."
    }
  }
}

# Data access for Entra ID principals (e.g. workload identities). The alias is
# the user name the client presents with its Entra ID token.
resource "azurerm_redis_cache_access_policy_assignment" "this" {
  for_each = var.access_policy_assignments

  name               = each.key
  redis_cache_id     = azurerm_redis_cache.this.id
  access_policy_name = each.value.access_policy_name
  object_id          = each.value.object_id
  object_id_alias    = each.value.object_id_alias
}
