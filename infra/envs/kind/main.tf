# Every part of the kind environment is a Helm release, installed from the
# same chart with the same values files by the deployer's Helm provisioner
# (make deploy ENV=kind KIND_PROVISIONER=helm) where no Terraform provider
# can be had. Order: KEDA, the services' namespace, Redis and RabbitMQ (and
# the offline node's static volumes), then Dapr, whose scheduler claims
# volumes; destroy runs backwards, so the namespace goes while the KEDA
# operator can still remove the finalizers of the ScaledObjects in it.

module "keda" {
  source = "../../modules/keda"

  chart_version                   = coalesce(var.keda_chart_version, local.charts.keda.version)
  release_name                    = local.charts.keda.release
  namespace                       = local.charts.keda.namespace
  azure_workload_identity_enabled = false
  values_files                    = [local.values_files.keda]
}

resource "kubernetes_namespace_v1" "app" {
  metadata {
    name   = var.namespace
    labels = local.common_labels
  }

  depends_on = [module.keda]
}

# ------------------------------------------------- Redis and RabbitMQ ----
# helm/airdisplay-backing: Deployments and ClusterIP Services, the broker's
# credentials and the AMQP URL Secret the services read, and the job queue
# the broker declares at start. The broker password is generated here and
# passed to the chart.

resource "random_password" "rabbitmq" {
  length  = 32
  special = false
}

resource "helm_release" "backing" {
  name      = local.charts.backing.release
  chart     = local.backing_chart
  namespace = kubernetes_namespace_v1.app.metadata[0].name

  atomic          = true
  cleanup_on_fail = true
  wait            = true
  timeout         = 600

  values = concat(
    [file(local.values_files.backing)],
    var.offline_node ? [file(local.values_files.offline)] : [],
  )

  # The broker declares the job queue (exchange, queue, binding) at start:
  # the queue the airdisplay chart's jobsQueue.name (output jobs_queue_name)
  # names. A string even when the name is all digits.
  set = [{
    name  = "rabbitmq.jobsQueue"
    value = var.jobs_queue_name
    type  = "string"
  }]

  set_sensitive = [{
    name  = "rabbitmq.password"
    value = random_password.rabbitmq.result
  }]
}

module "dapr" {
  source = "../../modules/dapr"

  chart_version = coalesce(var.dapr_chart_version, local.charts.dapr.version)
  release_name  = local.charts.dapr.release
  namespace     = local.charts.dapr.namespace
  values_files  = [local.values_files.dapr]

  # On the offline node the scheduler's claims bind to the backing release's
  # static volumes.
  depends_on = [helm_release.backing]
}
