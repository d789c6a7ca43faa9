# Plan-only tests of the redis module against a mocked azurerm (schema from
# the provider; run `make test-terraform`).

mock_provider "azurerm" {
  override_during = plan

  mock_resource "azurerm_redis_cache" {
    defaults = {
      id       = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.Cache/redis/redis-airdisplay-test"
      hostname = "redis-airdisplay-test.redis.cache.windows.net"
      ssl_port = 6380
      port     = 6379
    }
  }
}

variables {
  name                = "redis-airdisplay-test"
  location            = "westeurope"
  resource_group_name = "rg-airdisplay-test"
  access_policy_assignments = {
    consumer = {
      object_id       = "66666666-6666-4666-8666-666666666666"
      object_id_alias = "66666666-6666-4666-8666-666666666666"
    }
  }
}

run "tls_only_and_entra_id_only" {
  command = plan

  assert {
    condition     = azurerm_redis_cache.this.non_ssl_port_enabled == false && azurerm_redis_cache.this.minimum_tls_version == "1.2"
    error_message = "The cache must be reachable only over TLS 1.2 (no plain port)."
  }

  assert {
    condition = (
      azurerm_redis_cache.this.access_keys_authentication_enabled == false &&
      azurerm_redis_cache.this.redis_configuration[0].active_directory_authentication_enabled
    )
    error_message = "The cache must authenticate with Entra ID only (no access keys)."
  }

  assert {
    condition     = azurerm_redis_cache.this.public_network_access_enabled == false
    error_message = "Public network access must be off by default."
  }

  assert {
    condition = (
      azurerm_redis_cache_access_policy_assignment.this["consumer"].access_policy_name == "Data Contributor" &&
      azurerm_redis_cache_access_policy_assignment.this["consumer"].redis_cache_id == azurerm_redis_cache.this.id
    )
    error_message = "A principal must get Data Contributor (not Data Owner) on this cache by default."
  }

  assert {
    condition     = output.ssl_port == 6380 && output.hostname == "redis-airdisplay-test.redis.cache.windows.net"
    error_message = "The outputs must name the TLS endpoint."
  }
}

run "rejects_bad_names_and_sizes" {
  command = plan

  variables {
    name          = "redis--airdisplay"
    sku_name      = "Enterprise"
    redis_version = "4"
  }

  expect_failures = [var.name, var.sku_name, var.redis_version]
}

run "rejects_a_family_that_does_not_match_the_sku" {
  command = plan

  variables {
    family   = "P"
    capacity = 1
  }

  expect_failures = [var.family]
}

run "rejects_a_capacity_outside_the_family" {
  command = plan

  variables {
    capacity = 7
  }

  expect_failures = [var.capacity]
}

run "rejects_bad_access_policies" {
  command = plan

  variables {
    access_policy_assignments = {
      "consumer-1" = {
        object_id          = "66666666-6666-4666-8666-666666666666"
        object_id_alias    = " "
        access_policy_name = "Everything"
      }
    }
  }

  expect_failures = [var.access_policy_assignments]
}
