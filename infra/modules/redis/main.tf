# Azure Managed Redis (cluster and its one database, "default").
resource "azurerm_managed_redis" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  sku_name            = var.sku_name

  # Primary and replica shards on different nodes.
  high_availability_enabled = true
  public_network_access     = local.public_network_access

  default_database {
    # TLS only, Entra ID only: no plaintext protocol, no access keys.
    client_protocol                    = local.client_protocol
    access_keys_authentication_enabled = false

    # Redis Cluster API for the clients; every key of one transaction must
    # share a hash slot (the services use hash tags). Changing the policy
    # recreates the database.
    clustering_policy = local.clustering_policy
    eviction_policy   = local.eviction_policy

    persistence_append_only_file_backup_frequency = local.aof_backup_frequency
    persistence_redis_database_backup_frequency   = local.rdb_backup_frequency
  }

  tags = var.tags

  lifecycle {
    postcondition {
      condition     = self.default_database[0].port == local.port
      error_message = "The database does not listen on port ${local.port}; the Dapr components expect it there."
    }

    postcondition {
      condition     = self.default_database[0].clustering_policy == local.clustering_policy
      error_message = "The database's clustering policy is not ${local.clustering_policy}; the Dapr components run redisType: cluster."
    }
  }
}

# Data access for Entra ID principals (the workload identities). The
# provider assigns the built-in access policy "default" on database
# "default" to the principal's object ID, which is also the Redis user name:
# Dapr's useEntraID client presents the token's oid as the user name.
resource "azurerm_managed_redis_access_policy_assignment" "this" {
  for_each = var.access_policy_object_ids

  managed_redis_id = azurerm_managed_redis.this.id
  object_id        = each.value
}
