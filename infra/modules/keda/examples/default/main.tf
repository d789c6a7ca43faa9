# KEDA on the current kubeconfig context, without Azure workload identity.
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

module "keda" {
  source = "../../"

  azure_workload_identity_enabled = false
}

output "operator_service_account_name" {
  description = "Service account of the KEDA operator."
  value       = module.keda.operator_service_account_name
}
