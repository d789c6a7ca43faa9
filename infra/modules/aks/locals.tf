locals {
  # dns_prefix: 1-54 characters, letters, digits and hyphens, starting and
  # ending with a letter or digit. Derived from the cluster name unless given.
  dns_prefix = coalesce(
    var.dns_prefix,
    replace(substr(replace(lower(var.name), "_", "-"), 0, 54), "/-+$/", ""),
  )

  # An empty zone list means "no zone pinning" (null for the provider).
  zones = length(var.availability_zones) > 0 ? var.availability_zones : null

  # Names used while a node pool is rotated (vm_size and similar changes).
  system_node_pool_temporary_name = "tmpsystem"

  # Node provisioning: the declared pools and the cluster autoscaler.
  node_provisioning_mode = "Manual"
}
