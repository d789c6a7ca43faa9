variable "name" {
  type        = string
  description = "Name of the registry (globally unique, login server <name>.azurecr.io): 5-50 letters and digits."

  validation {
    condition     = can(regex("^[a-zA-Z0-9]{5,50}$", var.name))
    error_message = "name must be 5-50 letters and digits only."
  }
}

variable "location" {
  type        = string
  description = "Azure region of the registry."

  validation {
    condition     = length(trimspace(var.location)) > 0
    error_message = "location must not be empty."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Name of the existing resource group that holds the registry."

  validation {
    condition     = can(regex("^[-\\w\\.\\(\\)]{1,90}$", var.resource_group_name)) && !endswith(var.resource_group_name, ".")
    error_message = "resource_group_name must be 1-90 letters, digits, '_', '-', '.', '(' or ')' and must not end with '.'."
  }
}

variable "sku" {
  type        = string
  description = "Registry tier: Basic, Standard or Premium."
  default     = "Standard"

  validation {
    condition     = contains(["Basic", "Standard", "Premium"], var.sku)
    error_message = "sku must be Basic, Standard or Premium."
  }
}

variable "public_network_access_enabled" {
  type        = bool
  description = "Allow access from public networks. Turning it off needs the Premium sku (private endpoints)."
  default     = true

  validation {
    condition     = var.public_network_access_enabled || var.sku == "Premium"
    error_message = "public_network_access_enabled = false needs the Premium sku."
  }
}

variable "pull_principal_ids" {
  type        = map(string)
  description = "Principals (object IDs of service principals or managed identities) given AcrPull on the registry, keyed by a static name such as \"kubelet\"."
  default     = {}
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the registry."
  default     = {}
}
