# Plan-only tests of the aks module against a mocked azurerm (schema from
# the provider; run `make test-terraform`). The mocked cluster has the
# shapes Azure returns: resource IDs, GUIDs, the OIDC issuer URL, a kube
# config. A mock fills in only blocks the configuration has, so the kubelet
# identity (a block Azure adds) stays absent: the outputs read it with one().

mock_provider "azurerm" {
  override_during = plan

  mock_resource "azurerm_kubernetes_cluster" {
    defaults = {
      id                  = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.ContainerService/managedClusters/aks-airdisplay-test"
      oidc_issuer_url     = "https://westeurope.oic.prod-aks.azure.com/00000000-0000-4000-8000-000000000002/11111111-1111-4111-8111-111111111111/"
      node_resource_group = "MC_rg-airdisplay-test_aks-airdisplay-test_westeurope"
      kube_config_raw     = "apiVersion: v1\nkind: Config\n"
      kube_config = [{
        host                   = "https://aks-airdisplay-test-abcd1234.hcp.westeurope.azmk8s.io:443"
        cluster_ca_certificate = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"
        client_certificate     = ""
        client_key             = ""
        username               = "clusterUser_rg-airdisplay-test_aks-airdisplay-test"
        password               = ""
      }]
      identity = {
        principal_id = "44444444-4444-4444-8444-444444444444"
        tenant_id    = "00000000-0000-4000-8000-000000000002"
      }
    }
  }

  mock_resource "azurerm_kubernetes_cluster_node_pool" {
    defaults = {
      id = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.ContainerService/managedClusters/aks-airdisplay-test/agentPools/user"
    }
  }
}

variables {
  name                = "aks-airdisplay-test"
  location            = "westeurope"
  resource_group_name = "rg-airdisplay-test"
  tenant_id           = "00000000-0000-4000-8000-000000000002"
}

run "workload_identity_azure_rbac_and_an_autoscaling_pool" {
  command = plan

  assert {
    condition     = azurerm_kubernetes_cluster.this.oidc_issuer_enabled && azurerm_kubernetes_cluster.this.workload_identity_enabled
    error_message = "The cluster must publish an OIDC issuer and run the workload identity webhook."
  }

  assert {
    condition     = azurerm_kubernetes_cluster.this.local_account_disabled && azurerm_kubernetes_cluster.this.role_based_access_control_enabled
    error_message = "Local accounts must be off and Kubernetes RBAC on."
  }

  assert {
    condition = (
      azurerm_kubernetes_cluster.this.azure_active_directory_role_based_access_control[0].azure_rbac_enabled &&
      azurerm_kubernetes_cluster.this.azure_active_directory_role_based_access_control[0].tenant_id == "00000000-0000-4000-8000-000000000002"
    )
    error_message = "Kubernetes authorization must be Azure RBAC, in the given tenant."
  }

  assert {
    condition     = azurerm_kubernetes_cluster.this.node_provisioning_profile[0].mode == "Manual"
    error_message = "Node provisioning must be Manual: the user pool is scaled by the cluster autoscaler, which node auto-provisioning excludes."
  }

  assert {
    condition = (
      azurerm_kubernetes_cluster_node_pool.user.auto_scaling_enabled &&
      azurerm_kubernetes_cluster_node_pool.user.mode == "User" &&
      azurerm_kubernetes_cluster_node_pool.user.min_count == 1 &&
      azurerm_kubernetes_cluster_node_pool.user.max_count == 5
    )
    error_message = "The user pool must be autoscaled between user_node_min_count and user_node_max_count."
  }

  assert {
    condition     = azurerm_kubernetes_cluster.this.default_node_pool[0].only_critical_addons_enabled
    error_message = "The system pool must carry only critical add-ons."
  }

  assert {
    condition = (
      azurerm_kubernetes_cluster.this.network_profile[0].network_plugin == "azure" &&
      azurerm_kubernetes_cluster.this.network_profile[0].network_plugin_mode == "overlay" &&
      azurerm_kubernetes_cluster.this.network_profile[0].network_policy == "cilium"
    )
    error_message = "The network must be Azure CNI overlay with Cilium network policy."
  }

  assert {
    condition     = azurerm_kubernetes_cluster.this.dns_prefix == "aks-airdisplay-test"
    error_message = "dns_prefix must be derived from the cluster name."
  }

  assert {
    condition     = length(azurerm_kubernetes_cluster.this.oms_agent) == 0
    error_message = "Container Insights must stay off unless azure_monitor_enabled."
  }

  assert {
    condition     = output.identity_principal_id == "44444444-4444-4444-8444-444444444444"
    error_message = "identity_principal_id must be the cluster's system-assigned identity."
  }

  assert {
    condition     = startswith(output.oidc_issuer_url, "https://")
    error_message = "oidc_issuer_url must be the cluster's issuer."
  }
}

run "container_insights_when_asked" {
  command = plan

  variables {
    azure_monitor_enabled      = true
    log_analytics_workspace_id = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-airdisplay-test/providers/Microsoft.OperationalInsights/workspaces/log-airdisplay-test"
  }

  assert {
    condition     = azurerm_kubernetes_cluster.this.oms_agent[0].msi_auth_for_monitoring_enabled
    error_message = "Container Insights must authenticate with managed identity."
  }
}

run "rejects_bad_names" {
  command = plan

  variables {
    name                  = "-aks"
    resource_group_name   = "rg."
    dns_prefix            = "has_underscore"
    system_node_pool_name = "System"
    user_node_pool_name   = "user-pool"
  }

  expect_failures = [var.name, var.resource_group_name, var.dns_prefix, var.system_node_pool_name, var.user_node_pool_name]
}

run "rejects_bad_versions_and_tiers" {
  command = plan

  variables {
    kubernetes_version        = "latest"
    sku_tier                  = "Gold"
    automatic_upgrade_channel = "weekly"
  }

  expect_failures = [var.kubernetes_version, var.sku_tier, var.automatic_upgrade_channel]
}

run "rejects_an_unknown_node_os_channel" {
  command = plan

  variables {
    node_os_upgrade_channel = "Sometimes"
  }

  expect_failures = [var.node_os_upgrade_channel]
}

run "rejects_node_image_upgrades_without_node_image_os_channel" {
  command = plan

  variables {
    automatic_upgrade_channel = "node-image"
    node_os_upgrade_channel   = "SecurityPatch"
  }

  expect_failures = [var.node_os_upgrade_channel]
}

run "rejects_a_tenant_or_group_that_is_not_a_guid" {
  command = plan

  variables {
    tenant_id              = "contoso.onmicrosoft.com"
    admin_group_object_ids = ["admins"]
  }

  expect_failures = [var.tenant_id, var.admin_group_object_ids]
}

run "rejects_bad_pool_sizes" {
  command = plan

  variables {
    system_node_count   = 0
    system_node_vm_size = "D2s_v5"
    user_node_vm_size   = "big"
    user_node_min_count = 3
    user_node_max_count = 2
    os_disk_size_gb     = 16
    max_surge           = "0"
  }

  expect_failures = [var.system_node_count, var.system_node_vm_size, var.user_node_vm_size, var.user_node_max_count, var.os_disk_size_gb, var.max_surge]
}

run "rejects_bad_os_zones_and_network" {
  command = plan

  variables {
    os_sku             = "Windows"
    availability_zones = ["4"]
    network_data_plane = "calico"
    network_policy     = "azure"
    pod_cidr           = "10.244.0.0"
    service_cidr       = "everything"
    dns_service_ip     = "10.0.0"
  }

  expect_failures = [var.os_sku, var.availability_zones, var.network_data_plane, var.pod_cidr, var.service_cidr, var.dns_service_ip]
}

run "rejects_cilium_data_plane_without_cilium_policy" {
  command = plan

  variables {
    network_policy = "azure"
  }

  expect_failures = [var.network_policy]
}

run "rejects_monitoring_without_a_workspace" {
  command = plan

  variables {
    azure_monitor_enabled = true
  }

  expect_failures = [var.log_analytics_workspace_id]
}
