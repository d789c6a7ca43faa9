resource "helm_release" "this" {
  name             = var.release_name
  repository       = var.repository
  chart            = "keda"
  version          = var.chart_version
  namespace        = var.namespace
  create_namespace = var.create_namespace

  atomic          = true
  cleanup_on_fail = true
  wait            = true
  timeout         = var.timeout

  # Later documents win: the module's values, extra_values, then values_files.
  values = concat([yamlencode(local.values)], var.extra_values, [for f in var.values_files : file(f)])
}
