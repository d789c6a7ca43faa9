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

# Topics for pub/sub fan-out (banner-updated). Subscriptions are not created
# here: each subscriber (a Dapr sidecar) creates its own and Service Bus
# deletes it once idle (Dapr's autoDeleteOnIdleInSec).
resource "azurerm_servicebus_topic" "this" {
  for_each = var.topics

  name         = each.value
  namespace_id = azurerm_servicebus_namespace.this.id

  partitioning_enabled = false
}

# "Azure Service Bus Data Owner" on each topic, nothing at namespace scope:
# the holder creates and deletes its own subscriptions under the topic (Data
# Sender and Data Receiver carry no Manage right), sends and receives, and
# can do nothing on the queue or any other topic.
resource "azurerm_role_assignment" "topic_data_owner" {
  for_each = local.topic_data_owners

  scope                            = azurerm_servicebus_topic.this[each.value.topic].id
  role_definition_name             = "Azure Service Bus Data Owner"
  principal_id                     = each.value.principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}
