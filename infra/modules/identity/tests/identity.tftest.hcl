# Plan-only tests of the identity module against a mocked azurerm (schema
# from the provider; run `make test-terraform`).

mock_provider "azurerm" {
  override_during = plan

  mock_resource "azurerm_user_assigned_identity" {
    defaults = {
      id           = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-airdisplay-test"
      client_id    = "55555555-5555-4555-8555-555555555555"
      principal_id = "66666666-6666-4666-8666-666666666666"
      tenant_id    = "00000000-0000-4000-8000-000000000002"
    }
  }
}

variables {
  name_prefix         = "id-airdisplay-test"
  location            = "westeurope"
  resource_group_name = "rg-airdisplay-test"
  oidc_issuer_url     = "https://westeurope.oic.prod-aks.azure.com/00000000-0000-4000-8000-000000000002/11111111-1111-4111-8111-111111111111/"

  service_accounts = {
    consumer = {
      namespace = "airdisplay"
      name      = "airdisplay-consumer"
      roles = [{
        scope                = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.ServiceBus/namespaces/sb-airdisplay-test/queues/jobs"
        role_definition_name = "Azure Service Bus Data Receiver"
      }]
    }
    banner = {
      namespace = "airdisplay"
      name      = "airdisplay-banner-actor"
    }
  }
}

run "one_identity_federated_with_exactly_its_service_account" {
  command = plan

  assert {
    condition     = length(azurerm_user_assigned_identity.this) == 2 && azurerm_user_assigned_identity.this["consumer"].name == "id-airdisplay-test-consumer"
    error_message = "Each service account must get its own identity named <name_prefix>-<key>."
  }

  assert {
    condition = (
      azurerm_federated_identity_credential.this["consumer"].subject == "system:serviceaccount:airdisplay:airdisplay-consumer" &&
      azurerm_federated_identity_credential.this["banner"].subject == "system:serviceaccount:airdisplay:airdisplay-banner-actor"
    )
    error_message = "A federated credential must trust exactly system:serviceaccount:<namespace>:<name>."
  }

  assert {
    condition     = azurerm_federated_identity_credential.this["consumer"].user_assigned_identity_id == azurerm_user_assigned_identity.this["consumer"].id
    error_message = "The credential must belong to the service account's own identity (user_assigned_identity_id)."
  }

  assert {
    condition = alltrue([for c in azurerm_federated_identity_credential.this :
    c.audience == tolist(["api://AzureADTokenExchange"]) && c.issuer == var.oidc_issuer_url])
    error_message = "Credentials must trust the cluster's OIDC issuer for the Entra token-exchange audience only."
  }

  assert {
    condition = (
      length(azurerm_role_assignment.this) == 1 &&
      azurerm_role_assignment.this["consumer-0"].role_definition_name == "Azure Service Bus Data Receiver" &&
      endswith(azurerm_role_assignment.this["consumer-0"].scope, "/queues/jobs") &&
      azurerm_role_assignment.this["consumer-0"].principal_id == "66666666-6666-4666-8666-666666666666" &&
      azurerm_role_assignment.this["consumer-0"].principal_type == "ServicePrincipal"
    )
    error_message = "Only the listed roles may be assigned, at their scope, to the service account's identity."
  }

  assert {
    condition     = output.client_ids["consumer"] == "55555555-5555-4555-8555-555555555555"
    error_message = "client_ids must carry the identities' client IDs (the workload identity annotation)."
  }
}

run "rejects_an_issuer_that_is_not_https" {
  command = plan

  variables {
    oidc_issuer_url = "http://issuer.example"
  }

  expect_failures = [var.oidc_issuer_url]
}

run "rejects_bad_names" {
  command = plan

  variables {
    name_prefix         = "-id"
    resource_group_name = "rg."
    location            = " "
  }

  expect_failures = [var.name_prefix, var.resource_group_name, var.location]
}

run "rejects_bad_service_accounts" {
  command = plan

  variables {
    service_accounts = {
      Consumer = {
        namespace = "Air_Display"
        name      = "-consumer"
        roles     = [{ scope = "/subscriptions/x", role_definition_name = " " }]
      }
    }
  }

  expect_failures = [var.service_accounts]
}
