locals {
  # Only Premium namespaces take messaging units and partitions.
  premium = var.sku == "Premium"

  capacity                     = local.premium ? var.capacity : 0
  premium_messaging_partitions = local.premium ? 1 : 0

  # endpoint looks like https://<name>.servicebus.windows.net:443/ (the suffix
  # differs in sovereign clouds), so the host name is taken from it.
  fqdn = regex("^https?://([^:/]+)", azurerm_servicebus_namespace.this.endpoint)[0]
}
