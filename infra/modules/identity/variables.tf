variable "location" {
  type        = string
  description = "Azure region of the managed identities."

  validation {
    condition     = length(trimspace(var.location)) > 0
    error_message = "location must not be empty."
  }
}

variable "resource_group_name" {
  type        = string
  description = "Name of the existing resource group that holds the managed identities."

  validation {
    condition     = can(regex("^[-\\w\\.\\(\\)]{1,90}$", var.resource_group_name)) && !endswith(var.resource_group_name, ".")
    error_message = "resource_group_name must be 1-90 letters, digits, '_', '-', '.', '(' or ')' and must not end with '.'."
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix of the identity names; each identity is named <name_prefix>-<service_accounts key>."

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$", var.name_prefix))
    error_message = "name_prefix must be 1-64 letters, digits, '-' or '_', starting with a letter or digit."
  }
}

variable "oidc_issuer_url" {
  type        = string
  description = "OIDC issuer URL of the Kubernetes cluster (the AKS oidc_issuer_url)."

  validation {
    condition     = startswith(var.oidc_issuer_url, "https://")
    error_message = "oidc_issuer_url must be an https:// URL."
  }
}

variable "service_accounts" {
  type = map(object({
    namespace = string
    name      = string
    roles = optional(list(object({
      scope                = string
      role_definition_name = string
    })), [])
  }))
  description = "Kubernetes service accounts that get a managed identity, keyed by a short name: namespace and name of the service account, and roles (scope + built-in role name) to assign to the identity."

  validation {
    condition     = alltrue([for k in keys(var.service_accounts) : can(regex("^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$", k))])
    error_message = "service_accounts keys must be 1-32 lower-case letters, digits or hyphens, starting and ending with a letter or digit."
  }

  validation {
    condition     = alltrue([for sa in values(var.service_accounts) : can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", sa.namespace))])
    error_message = "Every namespace must be a DNS label: 1-63 lower-case letters, digits or hyphens."
  }

  validation {
    condition     = alltrue([for sa in values(var.service_accounts) : can(regex("^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$", sa.name))])
    error_message = "Every service account name must be a DNS subdomain: lower-case letters, digits, '-' and '.'."
  }

  validation {
    condition     = alltrue(flatten([for sa in values(var.service_accounts) : [for r in sa.roles : length(trimspace(r.role_definition_name)) > 0]]))
    error_message = "Every role needs a role_definition_name."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to the managed identities."
  default     = {}
}
