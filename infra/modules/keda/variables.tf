variable "chart_version" {
  type        = string
  description = "Version of the keda Helm chart."
  default     = "2.21.0"

  validation {
    condition     = can(regex("^2\\.[0-9]+\\.[0-9]+$", var.chart_version))
    error_message = "chart_version must be a KEDA 2.x chart version such as 2.21.0."
  }
}

variable "repository" {
  type        = string
  description = "Helm repository that serves the keda chart."
  default     = "https://kedacore.github.io/charts"

  validation {
    condition     = can(regex("^(https|oci)://", var.repository))
    error_message = "repository must be an https:// or oci:// URL."
  }
}

variable "release_name" {
  type        = string
  description = "Name of the Helm release."
  default     = "keda"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,51}[a-z0-9])?$", var.release_name))
    error_message = "release_name must be 1-53 lower-case letters, digits or hyphens, starting and ending with a letter or digit."
  }
}

variable "namespace" {
  type        = string
  description = "Namespace of KEDA."
  default     = "keda"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS label: 1-63 lower-case letters, digits or hyphens."
  }
}

variable "create_namespace" {
  type        = bool
  description = "Create the namespace if it does not exist."
  default     = true
}

variable "operator_service_account_name" {
  type        = string
  description = "Name of the KEDA operator's service account (the subject of its federated identity credential)."
  default     = "keda-operator"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$", var.operator_service_account_name))
    error_message = "operator_service_account_name must be a DNS subdomain: lower-case letters, digits, '-' and '.'."
  }
}

variable "azure_workload_identity_enabled" {
  type        = bool
  description = "Let the KEDA operator authenticate to Azure with workload identity (podIdentity.azureWorkload). False for clusters outside Azure, e.g. kind."
  default     = true
}

variable "workload_identity_client_id" {
  type        = string
  description = "Client ID of the managed identity federated with the operator's service account. Required when azure_workload_identity_enabled is true."
  default     = null

  validation {
    condition     = !var.azure_workload_identity_enabled || var.workload_identity_client_id != null
    error_message = "workload_identity_client_id is required when azure_workload_identity_enabled is true."
  }

  validation {
    condition     = var.workload_identity_client_id == null || can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", coalesce(var.workload_identity_client_id, "-")))
    error_message = "workload_identity_client_id must be a GUID."
  }
}

variable "tenant_id" {
  type        = string
  description = "Entra ID tenant of the workload identity. Required when azure_workload_identity_enabled is true."
  default     = null

  validation {
    condition     = !var.azure_workload_identity_enabled || var.tenant_id != null
    error_message = "tenant_id is required when azure_workload_identity_enabled is true."
  }

  validation {
    condition     = var.tenant_id == null || can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", coalesce(var.tenant_id, "-")))
    error_message = "tenant_id must be a GUID."
  }
}

variable "timeout" {
  type        = number
  description = "Seconds to wait for the release to become ready (60-3600)."
  default     = 600

  validation {
    condition     = var.timeout >= 60 && var.timeout <= 3600
    error_message = "timeout must be from 60 to 3600 seconds."
  }
}

variable "extra_values" {
  type        = list(string)
  description = "Additional values documents (YAML) applied after the module's own values, e.g. resources or tolerations."
  default     = []
}

variable "values_files" {
  type        = list(string)
  description = "Paths of values files (YAML) applied last, after extra_values; the kind environment passes the files the deployer also installs the chart with."
  default     = []

  validation {
    condition     = alltrue([for f in var.values_files : fileexists(f)])
    error_message = "values_files must name existing files."
  }
}
