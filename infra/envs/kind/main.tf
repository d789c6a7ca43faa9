# The services' namespace. Created after Dapr and KEDA so that on destroy it
# goes first, while the KEDA operator can still remove the finalizers of the
# ScaledObjects the chart put in it.
resource "kubernetes_namespace_v1" "app" {
  metadata {
    name   = var.namespace
    labels = local.common_labels
  }

  depends_on = [module.dapr, module.keda]
}

module "dapr" {
  source = "../../modules/dapr"

  chart_version = var.dapr_chart_version
  ha_enabled    = false
}

module "keda" {
  source = "../../modules/keda"

  chart_version                   = var.keda_chart_version
  azure_workload_identity_enabled = false
}

# ---------------------------------------------------------------- Redis ----
# State store, actor state and pub/sub. In-cluster only (ClusterIP), no
# persistence beyond the pod, as in the local stack.

resource "kubernetes_deployment_v1" "redis" {
  metadata {
    name      = local.redis_name
    namespace = kubernetes_namespace_v1.app.metadata[0].name
    labels    = merge(local.common_labels, local.redis_labels)
  }

  spec {
    replicas = 1

    selector {
      match_labels = local.redis_labels
    }

    template {
      metadata {
        labels = merge(local.common_labels, local.redis_labels)
      }

      spec {
        automount_service_account_token = false

        # The redis image's redis user: uid 999, gid 1000.
        security_context {
          run_as_non_root = true
          run_as_user     = 999
          run_as_group    = 1000
          fs_group        = 1000

          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        container {
          name  = "redis"
          image = var.redis_image
          args  = ["--appendonly", "yes", "--dir", "/data"]

          port {
            name           = "redis"
            container_port = local.redis_port
          }

          readiness_probe {
            exec {
              command = ["redis-cli", "ping"]
            }
            initial_delay_seconds = 2
            period_seconds        = 5
          }

          liveness_probe {
            tcp_socket {
              port = local.redis_port
            }
            initial_delay_seconds = 15
            period_seconds        = 10
          }

          resources {
            requests = {
              cpu    = "50m"
              memory = "64Mi"
            }
            limits = {
              memory = "512Mi"
            }
          }

          security_context {
            allow_privilege_escalation = false
            read_only_root_filesystem  = true

            capabilities {
              drop = ["ALL"]
            }
          }

          volume_mount {
            name       = "data"
            mount_path = "/data"
          }
        }

        volume {
          name = "data"
          empty_dir {}
        }
      }
    }
  }
}

resource "kubernetes_service_v1" "redis" {
  metadata {
    name      = local.redis_name
    namespace = kubernetes_namespace_v1.app.metadata[0].name
    labels    = merge(local.common_labels, local.redis_labels)
  }

  spec {
    type     = "ClusterIP"
    selector = local.redis_labels

    port {
      name        = "redis"
      port        = local.redis_port
      target_port = "redis"
    }
  }
}

# ------------------------------------------------------------- RabbitMQ ----
# The job queue (Dapr binding bindings.rabbitmq). The broker user's password
# is generated; the services get the AMQP URL from a secret.

resource "random_password" "rabbitmq" {
  length  = 32
  special = false
}

resource "kubernetes_secret_v1" "rabbitmq_credentials" {
  metadata {
    name      = local.rabbitmq_credentials_secret_name
    namespace = kubernetes_namespace_v1.app.metadata[0].name
    labels    = merge(local.common_labels, local.rabbitmq_labels)
  }

  data = {
    username = var.rabbitmq_username
    password = random_password.rabbitmq.result
  }
}

resource "kubernetes_deployment_v1" "rabbitmq" {
  metadata {
    name      = local.rabbitmq_name
    namespace = kubernetes_namespace_v1.app.metadata[0].name
    labels    = merge(local.common_labels, local.rabbitmq_labels)
  }

  spec {
    replicas = 1

    selector {
      match_labels = local.rabbitmq_labels
    }

    # One broker owns its data directory at a time.
    strategy {
      type = "Recreate"
    }

    template {
      metadata {
        labels = merge(local.common_labels, local.rabbitmq_labels)
        annotations = {
          # Roll the broker when its credentials change.
          "checksum/credentials" = sha256(random_password.rabbitmq.result)
        }
      }

      spec {
        automount_service_account_token = false

        container {
          name  = "rabbitmq"
          image = var.rabbitmq_image

          env {
            name = "RABBITMQ_DEFAULT_USER"
            value_from {
              secret_key_ref {
                name = kubernetes_secret_v1.rabbitmq_credentials.metadata[0].name
                key  = "username"
              }
            }
          }

          env {
            name = "RABBITMQ_DEFAULT_PASS"
            value_from {
              secret_key_ref {
                name = kubernetes_secret_v1.rabbitmq_credentials.metadata[0].name
                key  = "password"
              }
            }
          }

          port {
            name           = "amqp"
            container_port = local.rabbitmq_port
          }

          port {
            name           = "management"
            container_port = 15672
          }

          readiness_probe {
            exec {
              command = ["rabbitmq-diagnostics", "-q", "ping"]
            }
            initial_delay_seconds = 10
            period_seconds        = 10
            timeout_seconds       = 10
          }

          liveness_probe {
            tcp_socket {
              port = local.rabbitmq_port
            }
            initial_delay_seconds = 60
            period_seconds        = 20
            timeout_seconds       = 5
          }

          resources {
            requests = {
              cpu    = "100m"
              memory = "256Mi"
            }
            limits = {
              memory = "1Gi"
            }
          }

          security_context {
            allow_privilege_escalation = false
          }

          volume_mount {
            name       = "data"
            mount_path = "/var/lib/rabbitmq"
          }
        }

        volume {
          name = "data"
          empty_dir {}
        }
      }
    }
  }
}

resource "kubernetes_service_v1" "rabbitmq" {
  metadata {
    name      = local.rabbitmq_name
    namespace = kubernetes_namespace_v1.app.metadata[0].name
    labels    = merge(local.common_labels, local.rabbitmq_labels)
  }

  spec {
    type     = "ClusterIP"
    selector = local.rabbitmq_labels

    port {
      name        = "amqp"
      port        = local.rabbitmq_port
      target_port = "amqp"
    }

    port {
      name        = "management"
      port        = 15672
      target_port = "management"
    }
  }
}

# AMQP URL for the services, key RABBITMQ_URL (the jobs binding reads it with
# envRef: RABBITMQ_URL).
resource "kubernetes_secret_v1" "rabbitmq_url" {
  metadata {
    name      = local.rabbitmq_url_secret_name
    namespace = kubernetes_namespace_v1.app.metadata[0].name
    labels    = local.common_labels
  }

  data = {
    RABBITMQ_URL = "amqp://${urlencode(var.rabbitmq_username)}:${urlencode(random_password.rabbitmq.result)}@${local.rabbitmq_host}:${local.rabbitmq_port}/"
  }
}
