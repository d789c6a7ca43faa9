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

  redis_name    = "redis"
  redis_port    = 6379
  redis_labels  = { "app.kubernetes.io/name" = local.redis_name }
  redis_host    = "${local.redis_name}.${var.namespace}.svc.cluster.local"
  rabbitmq_name = "rabbitmq"
  rabbitmq_port = 5672
  rabbitmq_labels = {
    "app.kubernetes.io/name" = local.rabbitmq_name
  }
  rabbitmq_host = "${local.rabbitmq_name}.${var.namespace}.svc.cluster.local"

  # Secret the services read RABBITMQ_URL from (envFrom or secretKeyRef).
  rabbitmq_url_secret_name = "airdisplay-rabbitmq"
  # Secret the broker reads its default user from.
  rabbitmq_credentials_secret_name = "rabbitmq-credentials"
}
