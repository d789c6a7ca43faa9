# Workload identities for two service accounts of a cluster; one is given
# Reader on the resource group.
variable "location" {
  type        = string
  description = "Azure region of the example."
  default     = "westeurope"
}

variable "oidc_issuer_url" {
  type        = string
  description = "OIDC issuer URL of an existing AKS cluster (az aks show --query oidcIssuerProfile.issuerUrl)."
}

resource "azurerm_resource_group" "example" {
  name     = "rg-identity-example"
  location = var.location
}

module "identity" {
  source = "../../"

  name_prefix         = "id-example"
  location            = azurerm_resource_group.example.location
  resource_group_name = azurerm_resource_group.example.name
  oidc_issuer_url     = var.oidc_issuer_url

  service_accounts = {
    reader = {
      namespace = "default"
      name      = "reader"
      roles = [{
        scope                = azurerm_resource_group.example.id
        role_definition_name = "Reader"
      }]
    }
    worker = {
      namespace = "default"
      name      = "worker"
    }
  }
}

output "client_ids" {
  description = "Client IDs by service account key."
  value       = module.identity.client_ids
}
