variable "name" {
  type        = string
  description = "Name of the cache (globally unique, host <name>.redis.cache.windows.net): 1-63 letters, digits and hyphens, starting and ending with a letter or digit, no consecutive hyphens."

  validation {
    condition     = can(regex("^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 1-63 letters, digits or hyphens, start and end with a letter or digit, and contain no '--'."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the cache."

  validation {
    condition     = length(trimspace(var.location)) > 0
    error_message = "location must not be empty."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Name of the existing resource group that holds the cache."

  validation {
    condition     = can(regex("^[-\\w\\.\\(\\)]{1,90}$", var.resource_group_name)) && !endswith(var.resource_group_name, ".")
    error_message = "resource_group_name must be 1-90 letters, digits, '_', '-', '.', '(' or ')' and must not end with '.'."
  }
}

variable "sku_name" {
  type        = string
  description = "Cache tier: Basic, Standard (replicated, SLA) or Premium."
  default     = "Standard"

  validation {
    condition     = contains(["Basic", "Standard", "Premium"], var.sku_name)
    error_message = "sku_name must be Basic, Standard or Premium."
  }
}

variable "family" {
  type        = string
  description = "SKU family: C for Basic and Standard, P for Premium."
  default     = "C"

  validation {
    condition     = contains(["C", "P"], var.family)
    error_message = "family must be C or P."
  }

  validation {
    condition     = (var.sku_name == "Premium") == (var.family == "P")
    error_message = "family must be P for the Premium sku and C for Basic and Standard."
  }
}

variable "capacity" {
  type        = number
  description = "Cache size: 0-6 for family C (C0 250 MB ... C6 53 GB), 1-5 for family P."
  default     = 1

  validation {
    condition     = floor(var.capacity) == var.capacity && (var.family == "C" ? var.capacity >= 0 && var.capacity <= 6 : var.capacity >= 1 && var.capacity <= 5)
    error_message = "capacity must be 0-6 for family C and 1-5 for family P."
  }
}

variable "redis_version" {
  type        = string
  description = "Major Redis version of the cache."
  default     = "6"

  validation {
    condition     = contains(["6"], var.redis_version)
    error_message = "redis_version must be \"6\"."
  }
}

variable "public_network_access_enabled" {
  type        = bool
  description = "Allow access from public networks. False leaves only private endpoints (which this module does not create)."
  default     = false
}

variable "access_policy_assignments" {
  type = map(object({
    object_id          = string
    object_id_alias    = string
    access_policy_name = optional(string, "Data Contributor")
  }))
  description = "Entra ID principals given data access, keyed by assignment name (1-60 letters and digits): object_id (principal ID), object_id_alias (user name presented with the token) and access_policy_name (Data Owner, Data Contributor or Data Reader; default Data Contributor)."
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.access_policy_assignments) : can(regex("^[a-zA-Z0-9]{1,60}$", k))])
    error_message = "access_policy_assignments keys (the assignment names) must be 1-60 letters and digits."
  }

  validation {
    condition     = alltrue([for a in values(var.access_policy_assignments) : contains(["Data Owner", "Data Contributor", "Data Reader"], a.access_policy_name)])
    error_message = "access_policy_name must be Data Owner, Data Contributor or Data Reader."
  }

  validation {
    condition     = alltrue([for a in values(var.access_policy_assignments) : length(trimspace(a.object_id_alias)) > 0])
    error_message = "object_id_alias must not be empty."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the cache."
  default     = {}
}
