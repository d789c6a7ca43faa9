variable "subscription_id" {
  type        = string
  description = "Azure subscription to deploy into. Null uses ARM_SUBSCRIPTION_ID."
  default     = null

  validation {
    condition     = var.subscription_id == null || can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", coalesce(var.subscription_id, "-")))
    error_message = "subscription_id must be a GUID."
  }
}

variable "use_oidc" {
  type        = bool
  description = "Authenticate the azurerm provider with OIDC workload identity federation (CI). Null uses ARM_USE_OIDC."
  default     = null
}

variable "kubelogin_login_mode" {
  type        = string
  description = "kubelogin --login mode used by the kubernetes and helm providers: azurecli (after az login), workloadidentity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE), msi, spn or azd."
  default     = "azurecli"

  validation {
    condition     = contains(["azurecli", "workloadidentity", "msi", "spn", "azd"], var.kubelogin_login_mode)
    error_message = "kubelogin_login_mode must be azurecli, workloadidentity, msi, spn or azd."
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name: 3-12 lower-case letters and digits, starting with a letter."
  default     = "airdisplay"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{2,11}$", var.name_prefix))
    error_message = "name_prefix must be 3-12 lower-case letters and digits, starting with a letter."
  }
}

variable "unique_suffix" {
  type        = string
  description = "Suffix that makes the globally unique names (registry, Service Bus, Redis) unique, e.g. terratest's random.UniqueId(): 1-8 letters and digits, lower-cased in names."

  validation {
    condition     = can(regex("^[a-zA-Z0-9]{1,8}$", var.unique_suffix))
    error_message = "unique_suffix must be 1-8 letters and digits."
  }
}

variable "location" {
  type        = string
  description = "Azure region of every resource."
  default     = "westeurope"

  validation {
    condition     = length(trimspace(var.location)) > 0
    error_message = "location must not be empty."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags applied to every resource."
  default     = {}
}

variable "namespace" {
  type        = string
  description = "Kubernetes namespace of the AirDisplay services (subject namespace of their federated credentials)."
  default     = "airdisplay"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS label: 1-63 lower-case letters, digits or hyphens."
  }
}

variable "create_namespace" {
  type        = bool
  description = "Create the services' namespace with Terraform (Helm can also create it)."
  default     = true
}

variable "kubernetes_version" {
  type        = string
  description = "AKS Kubernetes version, e.g. \"1.31\". Null uses the region's default."
  default     = null
}

variable "aks_sku_tier" {
  type        = string
  description = "AKS control plane tier: Free, Standard or Premium."
  default     = "Free"

  validation {
    condition     = contains(["Free", "Standard", "Premium"], var.aks_sku_tier)
    error_message = "aks_sku_tier must be Free, Standard or Premium."
  }
}

variable "admin_group_object_ids" {
  type        = list(string)
  description = "Entra ID groups granted cluster-admin on AKS."
  default     = []
}

variable "grant_deployer_cluster_admin" {
  type        = bool
  description = "Give the identity running Terraform \"Azure Kubernetes Service RBAC Cluster Admin\" on the cluster, which it needs to install the Helm releases. Needs permission to create role assignments."
  default     = true
}

variable "rbac_propagation_wait" {
  type        = string
  description = "Wait after the cluster role assignment before talking to the Kubernetes API, as a duration such as 120s or 2m."
  default     = "120s"

  validation {
    condition     = can(regex("^[0-9]+(s|m)$", var.rbac_propagation_wait))
    error_message = "rbac_propagation_wait must be a duration in seconds or minutes, e.g. 120s or 2m."
  }
}

variable "system_node_vm_size" {
  type        = string
  description = "VM size of the AKS system node pool."
  default     = "Standard_D2s_v5"
}

variable "system_node_count" {
  type        = number
  description = "Nodes in the AKS system node pool (1-10)."
  default     = 1

  validation {
    condition     = var.system_node_count >= 1 && var.system_node_count <= 10
    error_message = "system_node_count must be from 1 to 10."
  }
}

variable "user_node_vm_size" {
  type        = string
  description = "VM size of the autoscaling user node pool."
  default     = "Standard_D4s_v5"
}

variable "user_node_min_count" {
  type        = number
  description = "Minimum nodes of the user pool (0-100)."
  default     = 1

  validation {
    condition     = var.user_node_min_count >= 0 && var.user_node_min_count <= 100
    error_message = "user_node_min_count must be from 0 to 100."
  }
}

variable "user_node_max_count" {
  type        = number
  description = "Maximum nodes of the user pool (1-100, not below user_node_min_count)."
  default     = 4

  validation {
    condition     = var.user_node_max_count >= 1 && var.user_node_max_count <= 100 && var.user_node_max_count >= var.user_node_min_count
    error_message = "user_node_max_count must be from 1 to 100 and not below user_node_min_count."
  }
}

variable "availability_zones" {
  type        = list(string)
  description = "Availability zones of the node pools; empty for regions without zones."
  default     = []
}

variable "azure_monitor_enabled" {
  type        = bool
  description = "Create a Log Analytics workspace and enable Container Insights on AKS."
  default     = false
}

variable "acr_sku" {
  type        = string
  description = "Container registry tier: Basic, Standard or Premium."
  default     = "Standard"

  validation {
    condition     = contains(["Basic", "Standard", "Premium"], var.acr_sku)
    error_message = "acr_sku must be Basic, Standard or Premium."
  }
}

variable "servicebus_sku" {
  type        = string
  description = "Service Bus tier: Standard or Premium (Basic has no topics, and the banner events need one)."
  default     = "Standard"

  validation {
    condition     = contains(["Standard", "Premium"], var.servicebus_sku)
    error_message = "servicebus_sku must be Standard or Premium (Basic has no topics)."
  }
}

variable "servicebus_public_network_access_enabled" {
  type        = bool
  description = "Reach Service Bus over public networks (Basic and Standard have no private endpoints). Access is Entra ID only."
  default     = true
}

variable "jobs_queue_name" {
  type        = string
  description = "Name of the job queue."
  default     = "jobs"
}

variable "banner_events_topic_name" {
  type        = string
  description = "Service Bus topic of the banner events; the services publish and subscribe to banner-updated, so change it only with them."
  default     = "banner-updated"

  validation {
    condition     = can(regex("^[a-zA-Z0-9]([a-zA-Z0-9._/-]{0,258}[a-zA-Z0-9_])?$", var.banner_events_topic_name))
    error_message = "banner_events_topic_name must be 1-260 letters, digits, '.', '-', '_' or '/', starting with a letter or digit."
  }
}

variable "jobs_max_delivery_count" {
  type        = number
  description = "Deliveries of a job message before Service Bus dead-letters it (1-2000)."
  default     = 10

  validation {
    condition     = var.jobs_max_delivery_count >= 1 && var.jobs_max_delivery_count <= 2000
    error_message = "jobs_max_delivery_count must be from 1 to 2000."
  }
}

variable "jobs_lock_duration" {
  type        = string
  description = "Peek-lock duration of job messages (ISO 8601, at most PT5M)."
  default     = "PT1M"
}

variable "jobs_default_message_ttl" {
  type        = string
  description = "Default time to live of job messages (ISO 8601)."
  default     = "P14D"
}

variable "redis_sku_name" {
  type        = string
  description = "Azure Managed Redis SKU (tier and size), e.g. Balanced_B1, Balanced_B5, MemoryOptimized_M10 or ComputeOptimized_X5."
  default     = "Balanced_B1"

  validation {
    condition     = can(regex("^(Balanced_B|ComputeOptimized_X|MemoryOptimized_M|FlashOptimized_A)[0-9]+$", var.redis_sku_name))
    error_message = "redis_sku_name must be an Azure Managed Redis SKU such as Balanced_B1 (Balanced_B*, ComputeOptimized_X*, MemoryOptimized_M*, FlashOptimized_A*)."
  }
}

variable "redis_persistence" {
  type        = string
  description = "Persistence of Azure Managed Redis: AOF (append-only file, every second) or RDB (hourly snapshots)."
  default     = "AOF"

  validation {
    condition     = contains(["AOF", "RDB"], var.redis_persistence)
    error_message = "redis_persistence must be AOF or RDB."
  }
}

variable "redis_public_network_access_enabled" {
  type        = bool
  description = "Reach Azure Managed Redis over public networks. This environment creates no private endpoint, so AKS reaches Redis publicly (Entra ID auth, TLS only)."
  default     = true
}

variable "dapr_chart_version" {
  type        = string
  description = "Dapr Helm chart version (1.16.x)."
  default     = "1.16.0"
}

variable "dapr_ha_enabled" {
  type        = bool
  description = "Run the Dapr control plane in high-availability mode."
  default     = true
}

variable "keda_chart_version" {
  type        = string
  description = "KEDA Helm chart version."
  default     = "2.16.1"
}

variable "keda_servicebus_role_definition_name" {
  type        = string
  description = "Role of the KEDA operator on the job queue. KEDA's Service Bus scaler reads queue runtime properties, which needs Azure Service Bus Data Owner; Azure Service Bus Data Receiver is narrower but the scaler cannot read the queue length with it."
  default     = "Azure Service Bus Data Owner"

  validation {
    condition     = contains(["Azure Service Bus Data Owner", "Azure Service Bus Data Receiver"], var.keda_servicebus_role_definition_name)
    error_message = "keda_servicebus_role_definition_name must be Azure Service Bus Data Owner or Azure Service Bus Data Receiver."
  }
}
