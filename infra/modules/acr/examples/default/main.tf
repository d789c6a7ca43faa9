# Registry without admin user; AcrPull for a managed identity.
variable "location" {
  type        = string
  description = "Azure region of the example."
  default     = "westeurope"
}

variable "name" {
  type        = string
  description = "Globally unique registry name of the example (letters and digits)."
  default     = "acrairdisplayexample"
}

resource "azurerm_resource_group" "example" {
  name     = "rg-acr-example"
  location = var.location
}

resource "azurerm_user_assigned_identity" "puller" {
  name                = "id-acr-example-puller"
  location            = azurerm_resource_group.example.location
  resource_group_name = azurerm_resource_group.example.name
}

module "acr" {
  source = "../../"

  name                = var.name
  location            = azurerm_resource_group.example.location
  resource_group_name = azurerm_resource_group.example.name

  pull_principal_ids = {
    puller = azurerm_user_assigned_identity.puller.principal_id
  }
}

output "login_server" {
  description = "Login server of the example registry."
  value       = module.acr.login_server
}
