output "namespace" {
  description = "Namespace of the Dapr control plane."
  value       = helm_release.this.namespace
}

output "chart_version" {
  description = "Installed version of the dapr chart."
  value       = helm_release.this.version
}

output "release_name" {
  description = "Name of the Helm release."
  value       = helm_release.this.name
}
