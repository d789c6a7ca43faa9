data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "this" {
  name     = local.resource_group_name
  location = var.location
  tags     = local.tags
}

resource "azurerm_log_analytics_workspace" "this" {
  count = var.azure_monitor_enabled ? 1 : 0

  name                = local.log_analytics_workspace
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  sku                 = "PerGB2018"
  retention_in_days   = 30
  tags                = local.tags
}

module "aks" {
  source = "../../modules/aks"

  name                = local.aks_name
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  kubernetes_version  = var.kubernetes_version
  sku_tier            = var.aks_sku_tier

  tenant_id              = data.azurerm_client_config.current.tenant_id
  admin_group_object_ids = var.admin_group_object_ids

  system_node_vm_size = var.system_node_vm_size
  system_node_count   = var.system_node_count
  user_node_vm_size   = var.user_node_vm_size
  user_node_min_count = var.user_node_min_count
  user_node_max_count = var.user_node_max_count
  availability_zones  = var.availability_zones

  azure_monitor_enabled      = var.azure_monitor_enabled
  log_analytics_workspace_id = var.azure_monitor_enabled ? azurerm_log_analytics_workspace.this[0].id : null

  tags = local.tags
}

module "acr" {
  source = "../../modules/acr"

  name                = local.acr_name
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  sku                 = var.acr_sku

  pull_principal_ids = {
    kubelet = module.aks.kubelet_identity_object_id
  }

  tags = local.tags
}

module "servicebus" {
  source = "../../modules/servicebus"

  name                          = local.servicebus_name
  location                      = azurerm_resource_group.this.location
  resource_group_name           = azurerm_resource_group.this.name
  sku                           = var.servicebus_sku
  public_network_access_enabled = var.servicebus_public_network_access_enabled

  queue_name          = var.jobs_queue_name
  max_delivery_count  = var.jobs_max_delivery_count
  lock_duration       = var.jobs_lock_duration
  default_message_ttl = var.jobs_default_message_ttl

  # The banner events' fan-out (Azure Managed Redis serves no Dapr pub/sub).
  # banner-actor's sidecars create one subscription each under the topic,
  # which needs the Manage right: Azure Service Bus Data Owner, scoped to
  # this topic only, nothing at namespace scope.
  topics = [var.banner_events_topic_name]
  topic_data_owner_principal_ids = {
    "banner-actor" = module.identity.principal_ids["banner-actor"]
  }

  tags = local.tags
}

# Workload identities. Each service gets only what it uses on the queue:
# the producer sends, the consumer receives, banner-actor has no queue role
# (its only Service Bus role is on the banner events topic, assigned by
# module.servicebus). KEDA reads the queue's runtime properties (active message count) for
# scaling, which Service Bus serves through its management (ATOM) API: that
# needs the Manage right, which only "Azure Service Bus Data Owner" carries;
# "Azure Service Bus Data Receiver" gets 401 there. The role is therefore
# configurable and scoped to the one queue, not the namespace (README.md).
module "identity" {
  source = "../../modules/identity"

  name_prefix         = local.identity_prefix
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  oidc_issuer_url     = module.aks.oidc_issuer_url

  service_accounts = {
    producer = {
      namespace = var.namespace
      name      = local.service_accounts.producer
      roles = [{
        scope                = module.servicebus.queue_id
        role_definition_name = "Azure Service Bus Data Sender"
      }]
    }
    consumer = {
      namespace = var.namespace
      name      = local.service_accounts.consumer
      roles = [{
        scope                = module.servicebus.queue_id
        role_definition_name = "Azure Service Bus Data Receiver"
      }]
    }
    "banner-actor" = {
      namespace = var.namespace
      name      = local.service_accounts["banner-actor"]
      roles     = []
    }
    keda = {
      namespace = local.keda_namespace
      name      = local.keda_service_account
      roles = [{
        scope                = module.servicebus.queue_id
        role_definition_name = var.keda_servicebus_role_definition_name
      }]
    }
  }

  tags = local.tags
}

# Azure Managed Redis (OSS cluster policy, TLS on 10000, Entra ID only) with
# data access (access policy "default") for the three services; a service's
# Redis user name is its principal ID, the oid its Entra ID token carries.
module "redis" {
  source = "../../modules/redis"

  name                          = local.redis_name
  location                      = azurerm_resource_group.this.location
  resource_group_name           = azurerm_resource_group.this.name
  sku_name                      = var.redis_sku_name
  persistence                   = var.redis_persistence
  public_network_access_enabled = var.redis_public_network_access_enabled

  access_policy_object_ids = {
    for key in keys(local.service_accounts) : key => module.identity.principal_ids[key]
  }

  tags = local.tags
}

# The identity running Terraform installs Helm releases on the cluster; with
# Azure RBAC it needs a Kubernetes role through an Azure role assignment.
resource "azurerm_role_assignment" "deployer_cluster_admin" {
  count = var.grant_deployer_cluster_admin ? 1 : 0

  scope                = module.aks.id
  role_definition_name = "Azure Kubernetes Service RBAC Cluster Admin"
  principal_id         = data.azurerm_client_config.current.object_id
}

# Azure RBAC assignments take a while to reach the AKS authorizer.
resource "time_sleep" "rbac_propagation" {
  create_duration = var.rbac_propagation_wait

  triggers = {
    cluster_id = module.aks.id
    assignment = try(azurerm_role_assignment.deployer_cluster_admin[0].id, "")
  }
}


module "dapr" {
  source = "../../modules/dapr"

  chart_version = var.dapr_chart_version
  ha_enabled    = var.dapr_ha_enabled

  depends_on = [time_sleep.rbac_propagation, module.aks]
}

module "keda" {
  source = "../../modules/keda"

  chart_version                   = var.keda_chart_version
  namespace                       = local.keda_namespace
  operator_service_account_name   = local.keda_service_account
  azure_workload_identity_enabled = true
  workload_identity_client_id     = module.identity.client_ids["keda"]
  tenant_id                       = data.azurerm_client_config.current.tenant_id

  depends_on = [time_sleep.rbac_propagation, module.aks]
}

# The services' namespace. Created after Dapr and KEDA so that on destroy it
# goes first, while the KEDA operator can still remove the finalizers of the
# ScaledObjects the chart put in it.
resource "kubernetes_namespace_v1" "app" {
  count = var.create_namespace ? 1 : 0

  metadata {
    name = var.namespace
    labels = {
      "app.kubernetes.io/part-of" = "airdisplay"
    }
  }

  depends_on = [time_sleep.rbac_propagation, module.aks, module.dapr, module.keda]
}
