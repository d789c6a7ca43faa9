locals {
  # Azure Managed Redis serves the database over TLS on port 10000. With the
  # OSS cluster policy that is the client's first connection; the shards
  # answer on ports the client learns from the cluster (CLUSTER SLOTS/NODES).
  port = 10000

  # Decisions of this platform, not knobs (README.md, "Why OSSCluster"):
  # the clients see Redis Cluster (Dapr state.redis with redisType: cluster),
  # TLS only, Entra ID only, and a store that refuses writes when full rather
  # than evicting job records, idempotency claims or actor state.
  clustering_policy = "OSSCluster"
  client_protocol   = "Encrypted"
  eviction_policy   = "NoEviction"

  public_network_access = var.public_network_access_enabled ? "Enabled" : "Disabled"

  # One persistence method: AOF written every second, or RDB snapshots.
  aof_backup_frequency = var.persistence == "AOF" ? "1s" : null
  rdb_backup_frequency = var.persistence == "RDB" ? var.rdb_backup_frequency : null
}
