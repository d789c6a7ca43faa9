provider "azurerm" {
  features {}

  # Null falls back to ARM_SUBSCRIPTION_ID / ARM_USE_OIDC from the environment.
  subscription_id = var.subscription_id
  use_oidc        = var.use_oidc

  # Entra ID for storage data-plane calls, never account keys.
  storage_use_azuread = true

  # Register only what this environment needs instead of the legacy set.
  resource_provider_registrations = "none"
  resource_providers_to_register  = local.resource_providers
}

# The cluster has local accounts disabled: kubectl, Helm and these providers
# authenticate with Entra ID tokens obtained by kubelogin.
provider "kubernetes" {
  host                   = module.aks.host
  cluster_ca_certificate = base64decode(module.aks.cluster_ca_certificate)

  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "kubelogin"
    args        = local.kubelogin_args
  }
}

# helm 3.x: the cluster connection and its exec plugin are attributes.
provider "helm" {
  kubernetes = {
    host                   = module.aks.host
    cluster_ca_certificate = base64decode(module.aks.cluster_ca_certificate)

    exec = {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "kubelogin"
      args        = local.kubelogin_args
    }
  }
}
