terraform {
  required_version = ">= 1.9"

  # Remote state in an Azure Storage blob container, with Entra ID auth.
  # Partial configuration: the settings are given at init time, e.g.
  #   terraform init -backend-config=backend.hcl
  # (see backend.hcl.example and README.md).
  backend "azurerm" {}

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 5.2"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.1"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 3.2"
    }
    time = {
      source  = "hashicorp/time"
      version = "~> 0.14"
    }
  }
}
