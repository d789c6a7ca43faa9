# Tests of the azure environment with every provider mocked (schemas from
# the providers; run `make test-terraform`). Mocked values have the shapes
# Azure returns (GUIDs, resource IDs, URLs) wherever a module validates or
# parses them. The chart's values are read from helm/airdisplay, so the
# queue and the service accounts are checked against what the chart renders.

mock_provider "azurerm" {
  override_during = plan

  mock_data "azurerm_client_config" {
    defaults = {
      tenant_id       = "00000000-0000-4000-8000-000000000002"
      object_id       = "88888888-8888-4888-8888-888888888888"
      client_id       = "99999999-9999-4999-8999-999999999999"
      subscription_id = "00000000-0000-4000-8000-000000000001"
    }
  }

  mock_resource "azurerm_resource_group" {
    defaults = {
      id = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test"
    }
  }

  mock_resource "azurerm_kubernetes_cluster" {
    defaults = {
      id              = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.ContainerService/managedClusters/aks-airdisplay-test"
      oidc_issuer_url = "https://westeurope.oic.prod-aks.azure.com/00000000-0000-4000-8000-000000000002/11111111-1111-4111-8111-111111111111/"
      kube_config_raw = "apiVersion: v1\nkind: Config\n"
      kube_config = [{
        host                   = "https://aks-airdisplay-test-abcd1234.hcp.westeurope.azmk8s.io:443"
        cluster_ca_certificate = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"
        client_certificate     = ""
        client_key             = ""
        username               = "clusterUser_rg-airdisplay-test_aks-airdisplay-test"
        password               = ""
      }]
    }
  }

  mock_resource "azurerm_kubernetes_cluster_node_pool" {
    defaults = {
      id = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.ContainerService/managedClusters/aks-airdisplay-test/agentPools/user"
    }
  }

  mock_resource "azurerm_container_registry" {
    defaults = {
      id           = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.ContainerRegistry/registries/acrairdisplaytest"
      login_server = "acrairdisplaytest.azurecr.io"
    }
  }

  mock_resource "azurerm_servicebus_namespace" {
    defaults = {
      id       = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.ServiceBus/namespaces/sb-airdisplay-test"
      endpoint = "https://sb-airdisplay-test.servicebus.windows.net:443/"
    }
  }

  mock_resource "azurerm_servicebus_queue" {
    defaults = {
      id = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.ServiceBus/namespaces/sb-airdisplay-test/queues/jobs"
    }
  }

  mock_resource "azurerm_user_assigned_identity" {
    defaults = {
      id           = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-airdisplay-test"
      client_id    = "55555555-5555-4555-8555-555555555555"
      principal_id = "66666666-6666-4666-8666-666666666666"
      tenant_id    = "00000000-0000-4000-8000-000000000002"
    }
  }

  mock_resource "azurerm_servicebus_topic" {
    defaults = {
      id = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.ServiceBus/namespaces/sb-airdisplay-test/topics/banner-updated"
    }
  }

  mock_resource "azurerm_managed_redis" {
    defaults = {
      id       = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.Cache/redisEnterprise/redis-airdisplay-test"
      hostname = "redis-airdisplay-test.westeurope.redis.azure.net"
      # The port Azure reports for the database (computed in the block).
      default_database = {
        port = 10000
      }
    }
  }

  mock_resource "azurerm_managed_redis_access_policy_assignment" {
    defaults = {
      id = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.Cache/redisEnterprise/redis-airdisplay-test/databases/default/accessPolicyAssignments/66666666666646668666666666666666"
    }
  }

  mock_resource "azurerm_role_assignment" {
    defaults = {
      id = "/subscriptions/00000000-0000-4000-8000-000000000001/providers/Microsoft.Authorization/roleAssignments/aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
    }
  }
}

# banner-actor's identity gets its own principal ID, so the tests can tell
# whose role and access policy is whose.
override_resource {
  target          = module.identity.azurerm_user_assigned_identity.this["banner-actor"]
  override_during = plan
  values = {
    id           = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-airdisplay-test-banner-actor"
    client_id    = "77777777-7777-4777-8777-777777777777"
    principal_id = "33333333-3333-4333-8333-333333333333"
    tenant_id    = "00000000-0000-4000-8000-000000000002"
  }
}

mock_provider "helm" {}
mock_provider "kubernetes" {}
mock_provider "time" {}

variables {
  name_prefix   = "airdisplay"
  unique_suffix = "test"
  location      = "westeurope"
}

run "platform_properties" {
  command = plan

  assert {
    condition     = module.servicebus.queue_name == yamldecode(file("../../../helm/airdisplay/values.yaml")).jobsQueue.name
    error_message = "The Service Bus queue must be the chart's jobsQueue.name, the queue of its KEDA trigger and the topic of its jobs pub/sub."
  }

  assert {
    condition     = module.servicebus.queue_name == output.jobs_queue_name
    error_message = "jobs_queue_name must name the provisioned queue."
  }

  assert {
    condition     = module.servicebus.fqdn == output.servicebus_namespace_fqdn && output.servicebus_namespace_fqdn == "sb-airdisplay-test.servicebus.windows.net"
    error_message = "servicebus_namespace_fqdn must be the namespace's host name."
  }

  assert {
    condition = (
      module.identity.federated_subjects["producer"] == "system:serviceaccount:airdisplay:airdisplay-producer" &&
      module.identity.federated_subjects["consumer"] == "system:serviceaccount:airdisplay:airdisplay-consumer" &&
      module.identity.federated_subjects["banner-actor"] == "system:serviceaccount:airdisplay:airdisplay-banner-actor" &&
      module.identity.federated_subjects["keda"] == "system:serviceaccount:keda:${module.keda.operator_service_account_name}"
    )
    error_message = "Each federated subject must be the chart's service account (<release airdisplay>-<service>) in the services' namespace, and KEDA's operator in keda."
  }

  assert {
    condition = alltrue([
      for svc in ["producer", "consumer", "banner-actor"] :
      yamldecode(file("../../../helm/airdisplay/values.yaml")).services[svc].serviceAccount.create &&
      yamldecode(file("../../../helm/airdisplay/values.yaml")).services[svc].serviceAccount.name == "" &&
      module.identity.federated_subjects[svc] == "system:serviceaccount:${var.namespace}:airdisplay-${svc}"
    ])
    error_message = "The chart must create each service's account under its default name <fullname>-<service>, the name federated here."
  }

  assert {
    condition = (
      toset([for k, v in module.identity.role_assignment_ids : k]) == toset(["producer-0", "consumer-0", "keda-0"])
    )
    error_message = "Only producer, consumer and KEDA may hold queue roles; banner-actor none (its one Service Bus role is on the topic)."
  }

  assert {
    condition = (
      toset(keys(module.redis.access_policy_object_ids)) == toset(["producer", "consumer", "banner-actor"]) &&
      alltrue([for svc in ["producer", "consumer", "banner-actor"] : module.redis.access_policy_object_ids[svc] == module.identity.principal_ids[svc]]) &&
      module.redis.access_policy_object_ids["banner-actor"] == "33333333-3333-4333-8333-333333333333"
    )
    error_message = "Each service's identity (and only they) must get an access policy assignment on Redis, with its own principal ID (its Redis user name)."
  }

  assert {
    condition = (
      output.redis_port == 10000 &&
      output.redis_host == "redis-airdisplay-test.westeurope.redis.azure.net" &&
      output.redis_clustering_policy == "OSSCluster"
    )
    error_message = "The services must reach Azure Managed Redis as an OSS cluster over TLS on 10000."
  }

  assert {
    condition = (
      output.banner_events_topic == "banner-updated" &&
      output.banner_events_topic == yamldecode(file("../../../helm/airdisplay/values.yaml")).azure.serviceBus.bannerEventsTopic &&
      output.banner_events_topic == yamldecode(file("../../../helm/airdisplay/values-azure.yaml")).azure.serviceBus.bannerEventsTopic
    )
    error_message = "banner_events_topic must be the topic Terraform creates and the chart's azure.serviceBus.bannerEventsTopic."
  }

  assert {
    condition = (
      keys(module.servicebus.topic_role_assignments) == ["banner-updated/banner-actor"] &&
      module.servicebus.topic_role_assignments["banner-updated/banner-actor"].role_definition_name == "Azure Service Bus Data Owner" &&
      module.servicebus.topic_role_assignments["banner-updated/banner-actor"].principal_id == module.identity.principal_ids["banner-actor"] &&
      module.servicebus.topic_role_assignments["banner-updated/banner-actor"].principal_id == "33333333-3333-4333-8333-333333333333" &&
      module.servicebus.topic_role_assignments["banner-updated/banner-actor"].scope == module.servicebus.topic_ids["banner-updated"] &&
      module.servicebus.topic_role_assignments["banner-updated/banner-actor"].scope != module.servicebus.id
    )
    error_message = "Only banner-actor may hold a topic role: Azure Service Bus Data Owner on the banner events topic, never on the namespace."
  }

  assert {
    condition     = output.tenant_id == "00000000-0000-4000-8000-000000000002"
    error_message = "tenant_id must be the tenant of the identities."
  }
}

run "names" {
  command = plan

  assert {
    condition = (
      output.flavor == "azure" &&
      output.resource_group_name == "rg-airdisplay-test" &&
      output.cluster_name == "aks-airdisplay-test"
    )
    error_message = "Names must follow <kind>-<name_prefix>-<unique_suffix>."
  }
}

# The run whose planned outputs infra/deploy's contract test decodes (from
# `terraform test -json -verbose`). A plan: with override_during = plan the
# mocked values are known there; an apply would draw the mocks' random
# values for unlisted nested attributes again and fail as inconsistent.
run "deployer_contract" {
  command = plan

  assert {
    condition = alltrue([for v in [
      output.flavor, output.cluster_name, output.resource_group_name, output.registry_login_server,
      output.namespace, output.servicebus_namespace_fqdn, output.jobs_queue_name, output.redis_host,
      output.redis_clustering_policy, output.banner_events_topic,
      output.producer_client_id, output.consumer_client_id, output.banner_actor_client_id,
      output.keda_client_id, output.tenant_id,
    ] : v != null && v != ""])
    error_message = "Every output of the deployer's contract must be set on azure."
  }
}

run "rejects_bad_names" {
  command = plan

  variables {
    name_prefix   = "AirDisplay"
    unique_suffix = "too-long-suffix"
  }

  expect_failures = [var.name_prefix, var.unique_suffix]
}

run "rejects_a_servicebus_without_topics_and_a_bad_redis_sku" {
  command = plan

  variables {
    servicebus_sku    = "Basic"
    redis_sku_name    = "Standard"
    redis_persistence = "None"
  }

  expect_failures = [var.servicebus_sku, var.redis_sku_name, var.redis_persistence]
}

run "rejects_a_keda_role_beyond_the_queue" {
  command = plan

  variables {
    keda_servicebus_role_definition_name = "Owner"
  }

  expect_failures = [var.keda_servicebus_role_definition_name]
}
