variable "chart_version" {
  type        = string
  description = "Version of the dapr Helm chart (= Dapr runtime version), pinned to the 1.16 line."
  default     = "1.16.0"

  validation {
    condition     = can(regex("^1\\.16\\.[0-9]+$", var.chart_version))
    error_message = "chart_version must be a Dapr 1.16.x release, e.g. 1.16.0."
  }
}

variable "repository" {
  type        = string
  description = "Helm repository that serves the dapr chart."
  default     = "https://dapr.github.io/helm-charts/"

  validation {
    condition     = can(regex("^(https|oci)://", var.repository))
    error_message = "repository must be an https:// or oci:// URL."
  }
}

variable "release_name" {
  type        = string
  description = "Name of the Helm release."
  default     = "dapr"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,51}[a-z0-9])?$", var.release_name))
    error_message = "release_name must be 1-53 lower-case letters, digits or hyphens, starting and ending with a letter or digit."
  }
}

variable "namespace" {
  type        = string
  description = "Namespace of the Dapr control plane."
  default     = "dapr-system"

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

variable "ha_enabled" {
  type        = bool
  description = "Run the control plane highly available (3 replicas of each service: operator, placement, scheduler, sentry, injector)."
  default     = true
}

variable "timeout" {
  type        = number
  description = "Seconds to wait for the release to become ready (60-3600)."
  default     = 900

  validation {
    condition     = var.timeout >= 60 && var.timeout <= 3600
    error_message = "timeout must be from 60 to 3600 seconds."
  }
}

variable "extra_values" {
  type        = list(string)
  description = "Additional values documents (YAML) applied after the module's own values, e.g. node selectors or resources."
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
