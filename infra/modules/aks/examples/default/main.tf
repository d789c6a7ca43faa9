# Minimal AKS cluster with workload identity, Azure RBAC and an autoscaling
# user pool. Run: terraform init && terraform apply -var location=westeurope
variable "location" {
  type        = string
  description = "Azure region of the example."
  default     = "westeurope"
}

resource "azurerm_resource_group" "example" {
  name     = "rg-aks-example"
  location = var.location
}

module "aks" {
  source = "../../"

  name                = "aks-example"
  location            = azurerm_resource_group.example.location
  resource_group_name = azurerm_resource_group.example.name

  system_node_count   = 1
  user_node_min_count = 1
  user_node_max_count = 3
}

output "oidc_issuer_url" {
  description = "OIDC issuer URL of the example cluster."
  value       = module.aks.oidc_issuer_url
}
