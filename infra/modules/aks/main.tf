resource "azurerm_kubernetes_cluster" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = var.resource_group_name
  dns_prefix          = local.dns_prefix
  kubernetes_version  = var.kubernetes_version
  sku_tier            = var.sku_tier

  automatic_upgrade_channel = var.automatic_upgrade_channel
  node_os_upgrade_channel   = var.node_os_upgrade_channel

  # Workload identity: the cluster publishes an OIDC issuer and the webhook
  # projects federated tokens into pods whose service account asks for it.
  oidc_issuer_enabled       = true
  workload_identity_enabled = true

  # Entra ID only: no static kubeconfig credentials, Kubernetes RBAC decided
  # by Azure role assignments.
  local_account_disabled            = true
  role_based_access_control_enabled = true

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled     = true
    tenant_id              = var.tenant_id
    admin_group_object_ids = var.admin_group_object_ids
  }

  # System pool: CriticalAddonsOnly taint, so workloads land on the user pool.
  default_node_pool {
    name                         = var.system_node_pool_name
    vm_size                      = var.system_node_vm_size
    node_count                   = var.system_node_count
    only_critical_addons_enabled = true
    os_sku                       = var.os_sku
    os_disk_size_gb              = var.os_disk_size_gb
    zones                        = local.zones
    temporary_name_for_rotation  = local.system_node_pool_temporary_name
    tags                         = var.tags

    upgrade_settings {
      max_surge = var.max_surge
    }
  }

  identity {
    type = "SystemAssigned"
  }

  # Required since azurerm 5.0. Manual: node pools are the ones declared
  # here, scaled by the cluster autoscaler; node auto-provisioning (Auto,
  # Karpenter) cannot be combined with an autoscaling pool.
  node_provisioning_profile {
    mode = local.node_provisioning_mode
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_data_plane  = var.network_data_plane
    network_policy      = var.network_policy
    pod_cidr            = var.pod_cidr
    service_cidr        = var.service_cidr
    dns_service_ip      = var.dns_service_ip
    load_balancer_sku   = "standard"
  }

  dynamic "oms_agent" {
    for_each = var.azure_monitor_enabled ? [var.log_analytics_workspace_id] : []

    content {
      log_analytics_workspace_id      = oms_agent.value
      msi_auth_for_monitoring_enabled = true
    }
  }

  tags = var.tags
}

# User pool: runs the workloads (Dapr control plane, KEDA, the services) and
# is scaled by the cluster autoscaler between min_count and max_count.
resource "azurerm_kubernetes_cluster_node_pool" "user" {
  name                  = var.user_node_pool_name
  kubernetes_cluster_id = azurerm_kubernetes_cluster.this.id
  mode                  = "User"
  vm_size               = var.user_node_vm_size
  os_sku                = var.os_sku
  os_disk_size_gb       = var.os_disk_size_gb
  zones                 = local.zones

  auto_scaling_enabled = true
  min_count            = var.user_node_min_count
  max_count            = var.user_node_max_count
  node_count           = var.user_node_min_count

  upgrade_settings {
    max_surge = var.max_surge
  }

  tags = var.tags

  lifecycle {
    # The cluster autoscaler owns the current node count.
    ignore_changes = [node_count]
  }
}
