variable "name" {
  type        = string
  description = "Name of the Managed Redis instance (host <name>.<region>.redis.azure.net): 3-63 letters, digits and hyphens, starting and ending with a letter or digit, no consecutive hyphens."

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{1,61}[a-zA-Z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 3-63 letters, digits or hyphens, start and end with a letter or digit, and contain no '--'."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the instance."

  validation {
    condition     = length(trimspace(var.location)) > 0
    error_message = "location must not be empty."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Name of the existing resource group that holds the instance."

  validation {
    condition     = can(regex("^[-\\w\\.\\(\\)]{1,90}$", var.resource_group_name)) && !endswith(var.resource_group_name, ".")
    error_message = "resource_group_name must be 1-90 letters, digits, '_', '-', '.', '(' or ')' and must not end with '.'."
  }
}

variable "sku_name" {
  type        = string
  description = "Managed Redis SKU: tier and size, e.g. Balanced_B1 (Balanced_B0-B1000, ComputeOptimized_X3-X700, MemoryOptimized_M10-M2000, FlashOptimized_A250-A4500). Changing it recreates the instance."
  default     = "Balanced_B1"

  validation {
    condition = contains([
      "Balanced_B0", "Balanced_B1", "Balanced_B3", "Balanced_B5", "Balanced_B10", "Balanced_B20", "Balanced_B50",
      "Balanced_B100", "Balanced_B150", "Balanced_B250", "Balanced_B350", "Balanced_B500", "Balanced_B700", "Balanced_B1000",
      "ComputeOptimized_X3", "ComputeOptimized_X5", "ComputeOptimized_X10", "ComputeOptimized_X20", "ComputeOptimized_X50",
      "ComputeOptimized_X100", "ComputeOptimized_X150", "ComputeOptimized_X250", "ComputeOptimized_X350", "ComputeOptimized_X500",
      "ComputeOptimized_X700",
      "MemoryOptimized_M10", "MemoryOptimized_M20", "MemoryOptimized_M50", "MemoryOptimized_M100", "MemoryOptimized_M150",
      "MemoryOptimized_M250", "MemoryOptimized_M350", "MemoryOptimized_M500", "MemoryOptimized_M700", "MemoryOptimized_M1000",
      "MemoryOptimized_M1500", "MemoryOptimized_M2000",
      "FlashOptimized_A250", "FlashOptimized_A500", "FlashOptimized_A700", "FlashOptimized_A1000", "FlashOptimized_A1500",
      "FlashOptimized_A2000", "FlashOptimized_A4500",
    ], var.sku_name)
    error_message = "sku_name must be a Managed Redis SKU such as Balanced_B1, ComputeOptimized_X5, MemoryOptimized_M10 or FlashOptimized_A250 (the Enterprise_* and EnterpriseFlash_* SKUs of Redis Enterprise are not Managed Redis SKUs)."
  }
}

variable "public_network_access_enabled" {
  type        = bool
  description = "Allow access from public networks. False leaves only private endpoints (which this module does not create)."
  default     = false
}

variable "persistence" {
  type        = string
  description = "Persistence of the database: AOF (append-only file, written every second) or RDB (snapshots every rdb_backup_frequency)."
  default     = "AOF"

  validation {
    condition     = contains(["AOF", "RDB"], var.persistence)
    error_message = "persistence must be AOF or RDB."
  }
}

variable "rdb_backup_frequency" {
  type        = string
  description = "Interval of RDB snapshots when persistence is RDB: 1h, 6h or 12h (ignored with AOF)."
  default     = "1h"

  validation {
    condition     = contains(["1h", "6h", "12h"], var.rdb_backup_frequency)
    error_message = "rdb_backup_frequency must be 1h, 6h or 12h."
  }
}

variable "access_policy_object_ids" {
  type        = map(string)
  description = "Entra ID principals given data access (the built-in access policy \"default\"), keyed by a static name (1-60 letters, digits or hyphens): the principal (object) ID of each, e.g. a workload identity's principal_id. The object ID is also the principal's Redis user name."
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.access_policy_object_ids) : can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,59}$", k))])
    error_message = "access_policy_object_ids keys must be 1-60 letters, digits or hyphens, starting with a letter or digit."
  }

  validation {
    condition     = alltrue([for id in values(var.access_policy_object_ids) : can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", id))])
    error_message = "Every access_policy_object_ids value must be an object ID (a GUID)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the instance."
  default     = {}
}
