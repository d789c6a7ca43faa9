variable "name" {
  type        = string
  description = "Name of the AKS cluster: 1-63 letters, digits, hyphens and underscores, starting and ending with a letter or digit."

  validation {
    condition     = can(regex("^[a-zA-Z0-9]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?$", var.name))
    error_message = "name must be 1-63 letters, digits, '-' or '_', and start and end with a letter or digit."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the cluster, e.g. westeurope."

  validation {
    condition     = length(trimspace(var.location)) > 0
    error_message = "location must not be empty."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Name of the existing resource group that holds the cluster."

  validation {
    condition     = can(regex("^[-\\w\\.\\(\\)]{1,90}$", var.resource_group_name)) && !endswith(var.resource_group_name, ".")
    error_message = "resource_group_name must be 1-90 letters, digits, '_', '-', '.', '(' or ')' and must not end with '.'."
  }
}

variable "dns_prefix" {
  type        = string
  description = "DNS prefix of the API server FQDN. Null derives it from the cluster name."
  default     = null

  validation {
    condition     = var.dns_prefix == null || can(regex("^[a-zA-Z0-9]([a-zA-Z0-9-]{0,52}[a-zA-Z0-9])?$", var.dns_prefix))
    error_message = "dns_prefix must be 1-54 letters, digits or hyphens, starting and ending with a letter or digit."
  }
}

variable "kubernetes_version" {
  type        = string
  description = "Kubernetes version (e.g. \"1.31\" or \"1.31.2\"). Null uses the region's default version."
  default     = null

  validation {
    condition     = var.kubernetes_version == null || can(regex("^[0-9]+\\.[0-9]+(\\.[0-9]+)?$", var.kubernetes_version))
    error_message = "kubernetes_version must look like 1.31 or 1.31.2."
  }
}

variable "sku_tier" {
  type        = string
  description = "AKS control plane tier: Free, Standard (uptime SLA) or Premium."
  default     = "Free"

  validation {
    condition     = contains(["Free", "Standard", "Premium"], var.sku_tier)
    error_message = "sku_tier must be Free, Standard or Premium."
  }
}

variable "automatic_upgrade_channel" {
  type        = string
  description = "Automatic Kubernetes upgrade channel: patch, rapid, stable or node-image. Null disables automatic upgrades."
  default     = "patch"

  validation {
    condition     = var.automatic_upgrade_channel == null || contains(["patch", "rapid", "stable", "node-image"], coalesce(var.automatic_upgrade_channel, "patch"))
    error_message = "automatic_upgrade_channel must be patch, rapid, stable, node-image or null."
  }
}

variable "node_os_upgrade_channel" {
  type        = string
  description = "Node OS upgrade channel: Unmanaged, SecurityPatch, NodeImage or None."
  default     = "NodeImage"

  validation {
    condition     = contains(["Unmanaged", "SecurityPatch", "NodeImage", "None"], var.node_os_upgrade_channel)
    error_message = "node_os_upgrade_channel must be Unmanaged, SecurityPatch, NodeImage or None."
  }

  validation {
    condition     = var.automatic_upgrade_channel != "node-image" || var.node_os_upgrade_channel == "NodeImage"
    error_message = "With automatic_upgrade_channel = \"node-image\", node_os_upgrade_channel must be \"NodeImage\"."
  }
}

variable "tenant_id" {
  type        = string
  description = "Entra ID tenant used for Azure RBAC on the cluster. Null uses the tenant of the azurerm provider."
  default     = null

  validation {
    condition     = var.tenant_id == null || can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", var.tenant_id))
    error_message = "tenant_id must be a GUID."
  }
}

variable "admin_group_object_ids" {
  type        = list(string)
  description = "Object IDs of Entra ID groups granted cluster-admin through the AKS-managed Entra integration."
  default     = []

  validation {
    condition     = alltrue([for id in var.admin_group_object_ids : can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", id))])
    error_message = "Every admin_group_object_ids entry must be a GUID."
  }
}

variable "system_node_pool_name" {
  type        = string
  description = "Name of the system node pool: 1-12 lower-case letters and digits, starting with a letter."
  default     = "system"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,11}$", var.system_node_pool_name))
    error_message = "system_node_pool_name must be 1-12 lower-case letters and digits, starting with a letter."
  }
}

variable "system_node_vm_size" {
  type        = string
  description = "VM size of the system node pool."
  default     = "Standard_D2s_v5"

  validation {
    condition     = can(regex("^Standard_[A-Za-z0-9_]+$", var.system_node_vm_size))
    error_message = "system_node_vm_size must be an Azure VM size such as Standard_D2s_v5."
  }
}

variable "system_node_count" {
  type        = number
  description = "Number of nodes in the system node pool (1-10)."
  default     = 2

  validation {
    condition     = var.system_node_count >= 1 && var.system_node_count <= 10 && floor(var.system_node_count) == var.system_node_count
    error_message = "system_node_count must be a whole number from 1 to 10."
  }
}

variable "user_node_pool_name" {
  type        = string
  description = "Name of the autoscaling user node pool: 1-12 lower-case letters and digits, starting with a letter."
  default     = "user"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,11}$", var.user_node_pool_name))
    error_message = "user_node_pool_name must be 1-12 lower-case letters and digits, starting with a letter."
  }
}

variable "user_node_vm_size" {
  type        = string
  description = "VM size of the user node pool."
  default     = "Standard_D4s_v5"

  validation {
    condition     = can(regex("^Standard_[A-Za-z0-9_]+$", var.user_node_vm_size))
    error_message = "user_node_vm_size must be an Azure VM size such as Standard_D4s_v5."
  }
}

variable "user_node_min_count" {
  type        = number
  description = "Minimum node count of the user pool for the cluster autoscaler (0-100)."
  default     = 1

  validation {
    condition     = var.user_node_min_count >= 0 && var.user_node_min_count <= 100 && floor(var.user_node_min_count) == var.user_node_min_count
    error_message = "user_node_min_count must be a whole number from 0 to 100."
  }
}

variable "user_node_max_count" {
  type        = number
  description = "Maximum node count of the user pool for the cluster autoscaler (1-100, not below user_node_min_count)."
  default     = 5

  validation {
    condition     = var.user_node_max_count >= 1 && var.user_node_max_count <= 100 && floor(var.user_node_max_count) == var.user_node_max_count
    error_message = "user_node_max_count must be a whole number from 1 to 100."
  }

  validation {
    condition     = var.user_node_max_count >= var.user_node_min_count
    error_message = "user_node_max_count must not be below user_node_min_count."
  }
}

variable "os_sku" {
  type        = string
  description = "Node OS: AzureLinux or Ubuntu."
  default     = "AzureLinux"

  validation {
    condition     = contains(["AzureLinux", "Ubuntu"], var.os_sku)
    error_message = "os_sku must be AzureLinux or Ubuntu."
  }
}

variable "os_disk_size_gb" {
  type        = number
  description = "OS disk size of every node in GB (30-2048)."
  default     = 128

  validation {
    condition     = var.os_disk_size_gb >= 30 && var.os_disk_size_gb <= 2048
    error_message = "os_disk_size_gb must be from 30 to 2048."
  }
}

variable "availability_zones" {
  type        = list(string)
  description = "Availability zones of both node pools, e.g. [\"1\", \"2\", \"3\"]. Empty leaves nodes unpinned (for regions without zones)."
  default     = []

  validation {
    condition     = alltrue([for z in var.availability_zones : contains(["1", "2", "3"], z)])
    error_message = "availability_zones entries must be \"1\", \"2\" or \"3\"."
  }
}

variable "max_surge" {
  type        = string
  description = "Extra nodes added during node pool upgrades, as a count (\"1\") or a percentage (\"10%\")."
  default     = "10%"

  validation {
    condition     = can(regex("^([1-9][0-9]*|[1-9][0-9]?%|100%)$", var.max_surge))
    error_message = "max_surge must be a positive count such as \"1\" or a percentage from 1% to 100%."
  }
}

variable "network_data_plane" {
  type        = string
  description = "Network data plane: azure or cilium (Azure CNI powered by Cilium)."
  default     = "cilium"

  validation {
    condition     = contains(["azure", "cilium"], var.network_data_plane)
    error_message = "network_data_plane must be azure or cilium."
  }
}

variable "network_policy" {
  type        = string
  description = "Network policy engine: cilium (requires the cilium data plane), azure or calico. Null disables network policy."
  default     = "cilium"

  validation {
    condition     = var.network_policy == null || contains(["azure", "calico", "cilium"], coalesce(var.network_policy, "azure"))
    error_message = "network_policy must be azure, calico, cilium or null."
  }

  validation {
    condition     = var.network_data_plane != "cilium" || var.network_policy == "cilium"
    error_message = "With network_data_plane = \"cilium\", network_policy must be \"cilium\"."
  }
}

variable "pod_cidr" {
  type        = string
  description = "Overlay CIDR the pods get their addresses from (not routable outside the cluster)."
  default     = "10.244.0.0/16"

  validation {
    condition     = can(cidrhost(var.pod_cidr, 0))
    error_message = "pod_cidr must be a CIDR block."
  }
}

variable "service_cidr" {
  type        = string
  description = "CIDR of Kubernetes services."
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.service_cidr, 0))
    error_message = "service_cidr must be a CIDR block."
  }
}

variable "dns_service_ip" {
  type        = string
  description = "Cluster DNS service IP; must lie inside service_cidr."
  default     = "10.0.0.10"

  validation {
    condition     = can(cidrnetmask("${var.dns_service_ip}/32"))
    error_message = "dns_service_ip must be an IPv4 address."
  }
}

variable "azure_monitor_enabled" {
  type        = bool
  description = "Enable Container Insights (the oms_agent add-on, managed-identity auth) sending to log_analytics_workspace_id."
  default     = false
}

variable "log_analytics_workspace_id" {
  type        = string
  description = "Resource ID of the Log Analytics workspace for Container Insights. Required when azure_monitor_enabled is true."
  default     = null

  validation {
    condition     = !var.azure_monitor_enabled || var.log_analytics_workspace_id != null
    error_message = "log_analytics_workspace_id is required when azure_monitor_enabled is true."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the cluster and its node pools."
  default     = {}
}
