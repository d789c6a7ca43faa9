# Plan-only tests of the redis module against a mocked azurerm (schema from
# the provider; run `make test-terraform`).

mock_provider "azurerm" {
  override_during = plan

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
}

variables {
  name                = "redis-airdisplay-test"
  location            = "westeurope"
  resource_group_name = "rg-airdisplay-test"
  access_policy_object_ids = {
    producer       = "44444444-4444-4444-8444-444444444444"
    consumer       = "55555555-5555-4555-8555-555555555555"
    "banner-actor" = "66666666-6666-4666-8666-666666666666"
  }
}

run "oss_cluster_tls_entra_id_only" {
  command = plan

  assert {
    condition     = azurerm_managed_redis.this.default_database[0].clustering_policy == "OSSCluster" && output.clustering_policy == "OSSCluster"
    error_message = "The database must use the OSS cluster policy: the Dapr components run redisType: cluster."
  }

  assert {
    condition     = azurerm_managed_redis.this.default_database[0].client_protocol == "Encrypted"
    error_message = "Clients must connect over TLS only (client_protocol Encrypted)."
  }

  assert {
    condition     = azurerm_managed_redis.this.default_database[0].access_keys_authentication_enabled == false
    error_message = "Access keys must be off: the services authenticate with Entra ID only."
  }

  assert {
    condition     = output.port == 10000 && output.hostname == "redis-airdisplay-test.westeurope.redis.azure.net"
    error_message = "The outputs must name the TLS endpoint on port 10000."
  }

  assert {
    condition     = azurerm_managed_redis.this.high_availability_enabled == true
    error_message = "High availability (replica shards) must be on."
  }

  assert {
    condition     = azurerm_managed_redis.this.default_database[0].eviction_policy == "NoEviction"
    error_message = "The store must refuse writes when full rather than evict state (NoEviction)."
  }

  assert {
    condition     = azurerm_managed_redis.this.public_network_access == "Disabled"
    error_message = "Public network access must be off by default."
  }

  assert {
    condition     = azurerm_managed_redis.this.sku_name == "Balanced_B1"
    error_message = "The default SKU must be Balanced_B1."
  }
}

run "aof_persistence_by_default" {
  command = plan

  assert {
    condition = (
      azurerm_managed_redis.this.default_database[0].persistence_append_only_file_backup_frequency == "1s" &&
      azurerm_managed_redis.this.default_database[0].persistence_redis_database_backup_frequency == null
    )
    error_message = "Persistence must default to AOF every second, and only one method may be set."
  }
}

run "rdb_persistence_and_public_access" {
  command = plan

  variables {
    persistence                   = "RDB"
    rdb_backup_frequency          = "6h"
    public_network_access_enabled = true
  }

  assert {
    condition = (
      azurerm_managed_redis.this.default_database[0].persistence_redis_database_backup_frequency == "6h" &&
      azurerm_managed_redis.this.default_database[0].persistence_append_only_file_backup_frequency == null
    )
    error_message = "RDB persistence must snapshot at rdb_backup_frequency and leave AOF off."
  }

  assert {
    condition     = azurerm_managed_redis.this.public_network_access == "Enabled"
    error_message = "public_network_access_enabled = true must enable public network access."
  }
}

run "one_assignment_per_identity" {
  command = plan

  assert {
    condition     = toset(keys(azurerm_managed_redis_access_policy_assignment.this)) == toset(["producer", "consumer", "banner-actor"])
    error_message = "Each identity must get exactly one access policy assignment."
  }

  assert {
    condition = alltrue([
      for k, id in var.access_policy_object_ids :
      azurerm_managed_redis_access_policy_assignment.this[k].object_id == id &&
      azurerm_managed_redis_access_policy_assignment.this[k].managed_redis_id == azurerm_managed_redis.this.id &&
      output.access_policy_object_ids[k] == id
    ])
    error_message = "Each assignment must give its own principal access to this instance."
  }
}

run "rejects_bad_names_and_skus" {
  command = plan

  variables {
    name     = "redis--airdisplay"
    sku_name = "Enterprise_E10"
  }

  expect_failures = [var.name, var.sku_name]
}

run "rejects_an_unknown_persistence" {
  command = plan

  variables {
    persistence          = "None"
    rdb_backup_frequency = "24h"
  }

  expect_failures = [var.persistence, var.rdb_backup_frequency]
}

run "rejects_bad_access_policy_principals" {
  command = plan

  variables {
    access_policy_object_ids = {
      "-consumer" = "not-a-guid"
    }
  }

  expect_failures = [var.access_policy_object_ids]
}

# The postconditions stop an apply whose database Azure reports on another
# port than the components are rendered with.
run "rejects_a_database_on_another_port" {
  command = plan

  override_resource {
    target          = azurerm_managed_redis.this
    override_during = plan
    values = {
      default_database = {
        port = 6380
      }
    }
  }

  expect_failures = [azurerm_managed_redis.this]
}
