locals {
  # Only Premium namespaces take messaging units and partitions.
  premium = var.sku == "Premium"

  capacity                     = local.premium ? var.capacity : 0
  premium_messaging_partitions = local.premium ? 1 : 0

  # endpoint looks like https://<name>.servicebus.windows.net:443/ (the suffix
  # differs in sovereign clouds), so the host name is taken from it.
  fqdn = regex("^https?://([^:/]+)", azurerm_servicebus_namespace.this.endpoint)[0]

  # One Data Owner assignment per (topic, principal), keyed <topic>/<name>;
  # the keys are static (names), the principal IDs may be unknown at plan.
  topic_data_owners = merge([
    for topic in var.topics : {
      for name, principal_id in var.topic_data_owner_principal_ids :
      "${topic}/${name}" => { topic = topic, principal_id = principal_id }
    }
  ]...)
}
