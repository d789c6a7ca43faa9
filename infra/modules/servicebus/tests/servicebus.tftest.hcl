# Plan-only tests of the servicebus module against a mocked azurerm
# (schema from the provider; run `make test-terraform`).

mock_provider "azurerm" {
  override_during = plan

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

  mock_resource "azurerm_servicebus_topic" {
    defaults = {
      id = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.ServiceBus/namespaces/sb-airdisplay-test/topics/banner-updated"
    }
  }

  mock_resource "azurerm_role_assignment" {
    defaults = {
      id = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.ServiceBus/namespaces/sb-airdisplay-test/topics/banner-updated/providers/Microsoft.Authorization/roleAssignments/bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
    }
  }
}

variables {
  name                = "sb-airdisplay-test"
  location            = "westeurope"
  resource_group_name = "rg-airdisplay-test"
}

run "entra_id_only_namespace_with_the_jobs_queue" {
  command = plan

  assert {
    condition     = azurerm_servicebus_namespace.this.local_auth_enabled == false
    error_message = "Service Bus local (SAS) authentication must be off: the services authenticate with Entra ID only."
  }

  assert {
    condition     = azurerm_servicebus_namespace.this.minimum_tls_version == "1.2"
    error_message = "The namespace must require TLS 1.2."
  }

  assert {
    condition     = azurerm_servicebus_queue.jobs.name == "jobs" && output.queue_name == "jobs"
    error_message = "The queue must be named after queue_name (default jobs), the chart's jobsQueue.name."
  }

  assert {
    condition     = azurerm_servicebus_queue.jobs.namespace_id == azurerm_servicebus_namespace.this.id
    error_message = "The queue must live in the module's namespace."
  }

  assert {
    condition     = azurerm_servicebus_queue.jobs.partitioning_enabled == false && azurerm_servicebus_queue.jobs.dead_lettering_on_message_expiration
    error_message = "The queue must be unpartitioned and dead-letter expired messages."
  }

  assert {
    condition     = output.fqdn == "sb-airdisplay-test.servicebus.windows.net"
    error_message = "fqdn must be the host name of the namespace endpoint, without scheme and port."
  }

  assert {
    condition     = azurerm_servicebus_namespace.this.capacity == 0 && azurerm_servicebus_namespace.this.premium_messaging_partitions == 0
    error_message = "Only a Premium namespace takes messaging units and partitions."
  }
}

run "no_topics_by_default" {
  command = plan

  assert {
    condition     = length(azurerm_servicebus_topic.this) == 0 && length(azurerm_role_assignment.topic_data_owner) == 0
    error_message = "Without topics the module must create neither topics nor role assignments."
  }
}

run "topic_with_a_topic_scoped_data_owner" {
  command = plan

  variables {
    topics = ["banner-updated"]
    topic_data_owner_principal_ids = {
      "banner-actor" = "66666666-6666-4666-8666-666666666666"
    }
  }

  assert {
    condition = (
      azurerm_servicebus_topic.this["banner-updated"].name == "banner-updated" &&
      azurerm_servicebus_topic.this["banner-updated"].namespace_id == azurerm_servicebus_namespace.this.id &&
      output.topic_names["banner-updated"] == "banner-updated"
    )
    error_message = "The topic must be created in the module's namespace and named in topic_names."
  }

  assert {
    condition = (
      toset(keys(azurerm_role_assignment.topic_data_owner)) == toset(["banner-updated/banner-actor"]) &&
      azurerm_role_assignment.topic_data_owner["banner-updated/banner-actor"].role_definition_name == "Azure Service Bus Data Owner" &&
      azurerm_role_assignment.topic_data_owner["banner-updated/banner-actor"].principal_id == "66666666-6666-4666-8666-666666666666"
    )
    error_message = "The principal must get exactly Azure Service Bus Data Owner (to create its own subscriptions)."
  }

  assert {
    condition = (
      azurerm_role_assignment.topic_data_owner["banner-updated/banner-actor"].scope == azurerm_servicebus_topic.this["banner-updated"].id &&
      azurerm_role_assignment.topic_data_owner["banner-updated/banner-actor"].scope != azurerm_servicebus_namespace.this.id &&
      endswith(azurerm_role_assignment.topic_data_owner["banner-updated/banner-actor"].scope, "/topics/banner-updated") &&
      output.topic_ids["banner-updated"] == azurerm_servicebus_topic.this["banner-updated"].id &&
      output.topic_role_assignments["banner-updated/banner-actor"].scope == output.topic_ids["banner-updated"]
    )
    error_message = "Data Owner must be scoped to the topic, never to the namespace."
  }
}

run "rejects_topics_on_basic" {
  command = plan

  variables {
    sku    = "Basic"
    topics = ["banner-updated"]
  }

  expect_failures = [var.topics]
}

run "rejects_a_bad_topic_name_and_principal" {
  command = plan

  variables {
    topics = ["-banner-updated"]
    topic_data_owner_principal_ids = {
      "banner-actor" = "banner-actor"
    }
  }

  expect_failures = [var.topics, var.topic_data_owner_principal_ids]
}

run "premium_takes_capacity_and_a_partition" {
  command = plan

  variables {
    sku      = "Premium"
    capacity = 2
  }

  assert {
    condition     = azurerm_servicebus_namespace.this.capacity == 2 && azurerm_servicebus_namespace.this.premium_messaging_partitions == 1
    error_message = "A Premium namespace must get the requested messaging units and one partition."
  }
}

run "rejects_a_name_azure_reserves" {
  command = plan

  variables {
    name = "airdisplay-sb"
  }

  expect_failures = [var.name]
}

run "rejects_an_unknown_sku" {
  command = plan

  variables {
    sku = "Enterprise"
  }

  expect_failures = [var.sku]
}

run "rejects_a_bad_queue_name" {
  command = plan

  variables {
    queue_name = "-jobs"
  }

  expect_failures = [var.queue_name]
}

run "rejects_a_lock_duration_over_five_minutes" {
  command = plan

  variables {
    lock_duration = "PT10M"
  }

  expect_failures = [var.lock_duration]
}

run "rejects_a_bad_delivery_count_and_ttl" {
  command = plan

  variables {
    max_delivery_count  = 0
    default_message_ttl = "14 days"
  }

  expect_failures = [var.max_delivery_count, var.default_message_ttl]
}

run "rejects_a_large_queue_below_premium" {
  command = plan

  variables {
    max_size_in_megabytes = 10240
  }

  expect_failures = [var.max_size_in_megabytes]
}

run "rejects_capacity_that_is_not_a_messaging_unit_count" {
  command = plan

  variables {
    capacity = 3
  }

  expect_failures = [var.capacity]
}
