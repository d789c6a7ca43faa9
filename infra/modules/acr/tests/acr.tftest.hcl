# Plan-only tests of the acr module against a mocked azurerm (schema from
# the provider; run `make test-terraform`).

mock_provider "azurerm" {
  override_during = plan

  mock_resource "azurerm_container_registry" {
    defaults = {
      id           = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.ContainerRegistry/registries/acrairdisplaytest"
      login_server = "acrairdisplaytest.azurecr.io"
    }
  }
}

variables {
  name                = "acrairdisplaytest"
  location            = "westeurope"
  resource_group_name = "rg-airdisplay-test"
  pull_principal_ids = {
    kubelet = "33333333-3333-4333-8333-333333333333"
  }
}

run "entra_id_only_registry_with_acr_pull_for_the_kubelet" {
  command = plan

  assert {
    condition     = azurerm_container_registry.this.admin_enabled == false
    error_message = "The admin user (a static credential) must stay off."
  }

  assert {
    condition = (
      length(azurerm_role_assignment.pull) == 1 &&
      azurerm_role_assignment.pull["kubelet"].role_definition_name == "AcrPull" &&
      azurerm_role_assignment.pull["kubelet"].principal_id == "33333333-3333-4333-8333-333333333333" &&
      azurerm_role_assignment.pull["kubelet"].scope == azurerm_container_registry.this.id
    )
    error_message = "Each pull principal must get AcrPull (pull only) on this registry, nothing more."
  }

  assert {
    condition     = output.login_server == "acrairdisplaytest.azurecr.io"
    error_message = "login_server must be the registry's login server."
  }
}

run "rejects_bad_names_and_skus" {
  command = plan

  variables {
    name                = "acr-airdisplay"
    resource_group_name = "rg."
    sku                 = "Classic"
  }

  expect_failures = [var.name, var.resource_group_name, var.sku]
}

run "rejects_private_access_below_premium" {
  command = plan

  variables {
    public_network_access_enabled = false
  }

  expect_failures = [var.public_network_access_enabled]
}
