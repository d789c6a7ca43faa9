output "namespace" {
  description = "Namespace of KEDA."
  value       = helm_release.this.namespace
}

output "operator_service_account_name" {
  description = "Name of the KEDA operator's service account."
  value       = var.operator_service_account_name
}

output "chart_version" {
  description = "Installed version of the keda chart."
  value       = helm_release.this.version
}

output "release_name" {
  description = "Name of the Helm release."
  value       = helm_release.this.name
}
