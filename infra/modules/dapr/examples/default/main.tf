# Dapr control plane on the current kubeconfig context (single replicas).
variable "kubeconfig_path" {
  type        = string
  description = "Path of the kubeconfig."
  default     = "~/.kube/config"
}

variable "kube_context" {
  type        = string
  description = "kubeconfig context to install into; null uses the current context."
  default     = null
}

module "dapr" {
  source = "../../"

  ha_enabled = false
}

output "namespace" {
  description = "Namespace of the Dapr control plane."
  value       = module.dapr.namespace
}
