provider "kubernetes" {
  config_path    = local.kubeconfig_path
  config_context = local.kube_context
}

# helm 3.x: the cluster connection is an attribute (kubernetes = {...}).
provider "helm" {
  kubernetes = {
    config_path    = local.kubeconfig_path
    config_context = local.kube_context
  }
}
