output "name" {
  description = "Name of the AKS cluster."
  value       = azurerm_kubernetes_cluster.this.name
}

output "id" {
  description = "Resource ID of the AKS cluster."
  value       = azurerm_kubernetes_cluster.this.id
}

output "oidc_issuer_url" {
  description = "OIDC issuer URL of the cluster, the issuer of federated identity credentials for workload identity."
  value       = azurerm_kubernetes_cluster.this.oidc_issuer_url
}

output "host" {
  description = "Kubernetes API server endpoint."
  value       = azurerm_kubernetes_cluster.this.kube_config[0].host
  sensitive   = true
}

output "cluster_ca_certificate" {
  description = "Base64-encoded CA certificate of the API server."
  value       = azurerm_kubernetes_cluster.this.kube_config[0].cluster_ca_certificate
  sensitive   = true
}

output "kube_config_raw" {
  description = "Raw kubeconfig (Entra ID user; convert with kubelogin before use: local accounts are disabled)."
  value       = azurerm_kubernetes_cluster.this.kube_config_raw
  sensitive   = true
}

output "node_resource_group" {
  description = "Name of the resource group AKS manages for the nodes."
  value       = azurerm_kubernetes_cluster.this.node_resource_group
}

# kubelet_identity is a block Azure fills in: unknown in a real plan, absent
# under a mock provider (which cannot add blocks), so it is read with one()
# rather than indexed.
output "kubelet_identity_object_id" {
  description = "Object (principal) ID of the kubelet managed identity, e.g. for AcrPull."
  value       = one(azurerm_kubernetes_cluster.this.kubelet_identity[*].object_id)
}

output "kubelet_identity_client_id" {
  description = "Client ID of the kubelet managed identity."
  value       = one(azurerm_kubernetes_cluster.this.kubelet_identity[*].client_id)
}

output "identity_principal_id" {
  description = "Principal ID of the cluster's system-assigned identity."
  value       = one(azurerm_kubernetes_cluster.this.identity[*].principal_id)
}

output "user_node_pool_id" {
  description = "Resource ID of the autoscaling user node pool."
  value       = azurerm_kubernetes_cluster_node_pool.user.id
}
