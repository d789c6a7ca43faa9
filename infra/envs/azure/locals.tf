locals {
  suffix = lower(var.unique_suffix)
  stem   = "${var.name_prefix}-${local.suffix}"

  # Names. ACR allows letters and digits only; the others allow hyphens.
  resource_group_name     = "rg-${local.stem}"
  aks_name                = "aks-${local.stem}"
  acr_name                = "acr${var.name_prefix}${local.suffix}"
  servicebus_name         = "sb-${local.stem}"
  redis_name              = "redis-${local.stem}"
  identity_prefix         = "id-${local.stem}"
  log_analytics_workspace = "log-${local.stem}"

  tags = merge(
    {
      project    = "airdisplay"
      instance   = local.stem
      managed_by = "terraform"
    },
    var.tags,
  )

  # Kubernetes service accounts of the services (the Helm chart creates them
  # with the azure.workload.identity/client-id annotation) and of KEDA.
  service_accounts = {
    producer       = "airdisplay-producer"
    consumer       = "airdisplay-consumer"
    "banner-actor" = "airdisplay-banner-actor"
  }
  keda_namespace       = "keda"
  keda_service_account = "keda-operator"

  # Well-known application ID of the AKS AAD server (audience of cluster tokens).
  aks_aad_server_app_id = "6dae42f8-4368-4678-94ff-3960e28e3630"
  kubelogin_args        = ["get-token", "--login", var.kubelogin_login_mode, "--server-id", local.aks_aad_server_app_id]

  resource_providers = [
    "Microsoft.Authorization",
    "Microsoft.Cache",
    "Microsoft.Compute",
    "Microsoft.ContainerRegistry",
    "Microsoft.ContainerService",
    "Microsoft.Insights",
    "Microsoft.ManagedIdentity",
    "Microsoft.Network",
    "Microsoft.OperationalInsights",
    "Microsoft.ServiceBus",
  ]
}
