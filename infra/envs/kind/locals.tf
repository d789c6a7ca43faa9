locals {
  kubeconfig_path = pathexpand(var.kubeconfig_path)
  # kind names the context of cluster X "kind-X".
  kube_context = coalesce(var.kube_context, "kind-${var.cluster_name}")

  instance = var.unique_suffix == "" ? var.name_prefix : "${var.name_prefix}-${lower(var.unique_suffix)}"

  common_labels = {
    "app.kubernetes.io/part-of"    = "airdisplay"
    "app.kubernetes.io/instance"   = local.instance
    "app.kubernetes.io/managed-by" = "terraform"
  }

  # Versions, release names and namespaces of the releases, and their values
  # files: shared with the deployer's Helm provisioner (infra/deploy).
  charts = yamldecode(file("${path.module}/charts.yaml"))
  values_files = {
    dapr    = "${path.module}/values/dapr.yaml"
    keda    = "${path.module}/values/keda.yaml"
    backing = "${path.module}/values/backing.yaml"
    offline = "${path.module}/values/offline.yaml"
  }
  backing_chart = "${path.module}/../../../helm/airdisplay-backing"
  backing       = yamldecode(file(local.values_files.backing))

  redis_host = "${local.backing.redis.name}.${var.namespace}.svc.cluster.local"
}
