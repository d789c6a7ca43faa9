variable "kubeconfig_path" {
  type        = string
  description = "Path of the kubeconfig of the kind cluster (the deployer passes the one it exports)."
  default     = "~/.kube/config"

  validation {
    condition     = length(trimspace(var.kubeconfig_path)) > 0
    error_message = "kubeconfig_path must not be empty."
  }
}

variable "cluster_name" {
  type        = string
  description = "Name of the kind cluster."
  default     = "airdisplay"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9.-]{0,48}[a-z0-9])?$", var.cluster_name))
    error_message = "cluster_name must be lower-case letters, digits, '-' or '.', starting and ending with a letter or digit."
  }
}

variable "kube_context" {
  type        = string
  description = "kubeconfig context to use. Null uses kind-<cluster_name>."
  default     = null
}

variable "name_prefix" {
  type        = string
  description = "Instance name used in labels (same rule as the azure environment): 3-12 lower-case letters and digits, starting with a letter."
  default     = "airdisplay"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{2,11}$", var.name_prefix))
    error_message = "name_prefix must be 3-12 lower-case letters and digits, starting with a letter."
  }
}

variable "unique_suffix" {
  type        = string
  description = "Optional suffix of the instance label, accepted for parity with the azure environment: 0-8 letters and digits."
  default     = ""

  validation {
    condition     = can(regex("^[a-zA-Z0-9]{0,8}$", var.unique_suffix))
    error_message = "unique_suffix must be 0-8 letters and digits."
  }
}

variable "namespace" {
  type        = string
  description = "Kubernetes namespace of the AirDisplay services, Redis and RabbitMQ."
  default     = "airdisplay"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS label: 1-63 lower-case letters, digits or hyphens."
  }
}

variable "registry_login_server" {
  type        = string
  description = "Registry host the image references use; kind loads the images into its nodes, so nothing is pulled from it."
  default     = "kind.local"

  validation {
    condition     = length(trimspace(var.registry_login_server)) > 0
    error_message = "registry_login_server must not be empty."
  }
}

variable "jobs_queue_name" {
  type        = string
  description = "Name of the RabbitMQ job queue and its exchange, the topic of the Dapr pub/sub jobs (declared by the broker at start: the airdisplay-backing chart's rabbitmq.jobsQueue)."
  default     = "jobs"

  validation {
    condition     = can(regex("^[a-zA-Z0-9._-]{1,255}$", var.jobs_queue_name))
    error_message = "jobs_queue_name must be 1-255 letters, digits, '.', '_' or '-'."
  }
}

variable "dapr_chart_version" {
  type        = string
  description = "Dapr Helm chart version (1.16.x). Null: the version pinned in charts.yaml."
  default     = null
}

variable "keda_chart_version" {
  type        = string
  description = "KEDA Helm chart version. Null: the version pinned in charts.yaml."
  default     = null
}

variable "offline_node" {
  type        = bool
  description = "The cluster runs on the offline node image (infra/kind): layer values/offline.yaml over the backing chart's values (images built offline, static volumes for a StorageClass without provisioner). The deployer sets it when it made the cluster from that image."
  default     = false
}
