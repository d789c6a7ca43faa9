terraform {
  required_version = ">= 1.9"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 5.2"
    }
  }
}

provider "azurerm" {
  features {}
  # Subscription from ARM_SUBSCRIPTION_ID; credentials from az login or OIDC.
  storage_use_azuread = true
}
