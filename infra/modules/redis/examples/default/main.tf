# Basic C0 cache, TLS and Entra ID only, with data access for the caller.
variable "location" {
  type        = string
  description = "Azure region of the example."
  default     = "westeurope"
}

variable "name" {
  type        = string
  description = "Globally unique cache name of the example."
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
  sku_name                      = "Basic"
  family                        = "C"
  capacity                      = 0
  public_network_access_enabled = true

  access_policy_assignments = {
    deployer = {
      object_id       = data.azurerm_client_config.current.object_id
      object_id_alias = data.azurerm_client_config.current.object_id
    }
  }
}

output "hostname" {
  description = "Host name of the example cache."
  value       = module.redis.hostname
}
