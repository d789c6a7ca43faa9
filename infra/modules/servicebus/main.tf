resource "azurerm_servicebus_namespace" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  sku                 = var.sku

  capacity                     = local.capacity
  premium_messaging_partitions = local.premium_messaging_partitions

  # Entra ID (RBAC) only: shared access policies cannot authenticate.
  local_auth_enabled            = false
  minimum_tls_version           = "1.2"
  public_network_access_enabled = var.public_network_access_enabled

  tags = var.tags
}

resource "azurerm_servicebus_queue" "jobs" {
  name         = var.queue_name
  namespace_id = azurerm_servicebus_namespace.this.id

  lock_duration                        = var.lock_duration
  max_delivery_count                   = var.max_delivery_count
  default_message_ttl                  = var.default_message_ttl
  dead_lettering_on_message_expiration = var.dead_lettering_on_message_expiration
  max_size_in_megabytes                = var.max_size_in_megabytes
  partitioning_enabled                 = false
}
