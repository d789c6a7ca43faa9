# Standard namespace (Entra ID only) with the jobs queue and a topic whose
# Data Owner (scoped to that topic) is the caller.
variable "location" {
  type        = string
  description = "Azure region of the example."
  default     = "westeurope"
}

variable "name" {
  type        = string
  description = "Globally unique namespace name of the example."
  default     = "sb-airdisplay-example"
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "example" {
  name     = "rg-servicebus-example"
  location = var.location
}

module "servicebus" {
  source = "../../"

  name                = var.name
  location            = azurerm_resource_group.example.location
  resource_group_name = azurerm_resource_group.example.name

  max_delivery_count = 5
  lock_duration      = "PT30S"

  topics = ["banner-updated"]
  topic_data_owner_principal_ids = {
    deployer = data.azurerm_client_config.current.object_id
  }
}

output "fqdn" {
  description = "Host name of the example namespace."
  value       = module.servicebus.fqdn
}
