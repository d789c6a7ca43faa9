# Balanced_B0 Managed Redis (OSS cluster policy, TLS on 10000, Entra ID only,
# RDB snapshots every 12 hours) with data access for the caller.
variable "location" {
  type        = string
  description = "Azure region of the example."
  default     = "westeurope"
}

variable "name" {
  type        = string
  description = "Globally unique instance name of the example."
  default     = "redis-airdisplay-example"
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "example" {
  name     = "rg-redis-example"
  location = var.location
}

module "redis" {
  source = "../../"

  name                          = var.name
  location                      = azurerm_resource_group.example.location
  resource_group_name           = azurerm_resource_group.example.name
  sku_name                      = "Balanced_B0"
  persistence                   = "RDB"
  rdb_backup_frequency          = "12h"
  public_network_access_enabled = true

  access_policy_object_ids = {
    deployer = data.azurerm_client_config.current.object_id
  }
}

output "endpoint" {
  description = "Host and port of the example instance (TLS)."
  value       = "${module.redis.hostname}:${module.redis.port}"
}
