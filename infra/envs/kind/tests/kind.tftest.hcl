# Tests of the kind environment with every provider mocked (schemas from the
# providers; run `make test-terraform`).

mock_provider "kubernetes" {
  override_during = plan
}

mock_provider "helm" {
  override_during = plan
}

mock_provider "random" {
  override_during = plan

  mock_resource "random_password" {
    defaults = {
      result = "mocked-password-0123456789"
    }
  }
}

run "in_cluster_redis_and_rabbitmq" {
  command = plan

  assert {
    condition     = output.jobs_queue_name == yamldecode(file("../../../helm/airdisplay/values.yaml")).jobsQueue.name
    error_message = "The RabbitMQ queue must be the chart's jobsQueue.name, the queue of its KEDA trigger and its jobs binding."
  }

  assert {
    condition     = output.redis_host == "redis.airdisplay.svc.cluster.local" && output.redis_port == 6379
    error_message = "Redis must be the in-cluster service of the services' namespace."
  }

  assert {
    condition     = kubernetes_service_v1.redis.spec[0].type == "ClusterIP" && kubernetes_service_v1.rabbitmq.spec[0].type == "ClusterIP"
    error_message = "Redis and RabbitMQ must be reachable only inside the cluster."
  }

  assert {
    condition     = module.keda.namespace == "keda" && module.keda.operator_service_account_name == "keda-operator" && module.dapr.namespace == "dapr-system"
    error_message = "KEDA and Dapr must be installed into their own namespaces."
  }

  assert {
    condition     = output.namespace == "airdisplay" && kubernetes_namespace_v1.app.metadata[0].labels["app.kubernetes.io/part-of"] == "airdisplay"
    error_message = "The services' namespace must be var.namespace, labelled part-of airdisplay."
  }
}

# The run whose planned outputs infra/deploy's contract test decodes.
run "deployer_contract" {
  command = plan

  assert {
    condition = (
      output.flavor == "kind" && output.cluster_name == "airdisplay" && output.registry_login_server == "kind.local" &&
      output.servicebus_namespace_fqdn == "" && output.producer_client_id == "" && output.tenant_id == ""
    )
    error_message = "kind must declare every contract output, Azure-only ones empty."
  }
}

run "rejects_bad_names" {
  command = plan

  variables {
    cluster_name    = "Kind_Cluster"
    name_prefix     = "x"
    unique_suffix   = "waytoolongsuffix"
    namespace       = "Air-Display"
    jobs_queue_name = "jobs queue"
  }

  expect_failures = [var.cluster_name, var.name_prefix, var.unique_suffix, var.namespace, var.jobs_queue_name]
}

run "rejects_the_guest_user" {
  command = plan

  variables {
    rabbitmq_username = "guest"
    kubeconfig_path   = " "
  }

  expect_failures = [var.rabbitmq_username, var.kubeconfig_path]
}
