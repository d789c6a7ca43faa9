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
    error_message = "The RabbitMQ queue must be the chart's jobsQueue.name, the queue of its KEDA trigger and the topic of its jobs pub/sub."
  }

  assert {
    condition = (
      length(helm_release.backing.set) == 1 &&
      helm_release.backing.set[0].name == "rabbitmq.jobsQueue" &&
      helm_release.backing.set[0].value == output.jobs_queue_name &&
      helm_release.backing.set[0].type == "string"
    )
    error_message = "The backing chart must declare the job queue the airdisplay chart reads (rabbitmq.jobsQueue = jobs_queue_name, as a string)."
  }

  assert {
    condition     = output.redis_host == "redis.airdisplay.svc.cluster.local" && output.redis_port == 6379
    error_message = "Redis must be the in-cluster service of the services' namespace."
  }

  assert {
    condition = (
      output.rabbitmq_secret_name == yamldecode(file("../../../helm/airdisplay/values-kind.yaml")).kind.rabbitmq.secret.name &&
      yamldecode(file("values/backing.yaml")).rabbitmq.urlSecret.key == yamldecode(file("../../../helm/airdisplay/values-kind.yaml")).kind.rabbitmq.secret.key &&
      yamldecode(file("values/backing.yaml")).redis.name == yamldecode(file("../../../helm/airdisplay/values-kind.yaml")).kind.redis.host
    )
    error_message = "The backing chart's AMQP URL Secret and Redis Service must be those the airdisplay chart's values-kind.yaml reads."
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

# The releases are installed from the charts and values files the deployer's
# Helm provisioner uses (charts.yaml, values/*.yaml).
run "releases_share_the_deployers_values" {
  command = plan

  assert {
    condition = (
      helm_release.backing.name == "airdisplay-backing" && helm_release.backing.namespace == "airdisplay" &&
      endswith(helm_release.backing.chart, "helm/airdisplay-backing") &&
      length(helm_release.backing.values) == 1 &&
      yamldecode(helm_release.backing.values[0]) == yamldecode(file("values/backing.yaml"))
    )
    error_message = "The backing release must install helm/airdisplay-backing with values/backing.yaml alone (not on the offline node)."
  }

  assert {
    condition     = nonsensitive(helm_release.backing.set_sensitive[0].name) == "rabbitmq.password"
    error_message = "The generated RabbitMQ password must be passed to the chart."
  }

  assert {
    condition = (
      module.dapr.chart_version == yamldecode(file("charts.yaml")).dapr.version &&
      module.keda.chart_version == yamldecode(file("charts.yaml")).keda.version &&
      module.dapr.release_name == "dapr" && module.keda.release_name == "keda"
    )
    error_message = "Dapr and KEDA must be the versions and releases pinned in charts.yaml."
  }
}

run "offline_node_layers_offline_values" {
  command = plan

  variables {
    offline_node = true
  }

  assert {
    condition = (
      length(helm_release.backing.values) == 2 &&
      yamldecode(helm_release.backing.values[1]).staticVolumes.enabled &&
      startswith(yamldecode(helm_release.backing.values[1]).redis.image.repository, "airdisplay.local/")
    )
    error_message = "On the offline node the backing release must add values/offline.yaml (offline images, static volumes)."
  }
}

# The run whose planned outputs infra/deploy's contract test decodes.
run "deployer_contract" {
  command = plan

  assert {
    condition = (
      output.flavor == "kind" && output.cluster_name == "airdisplay" && output.registry_login_server == "kind.local" &&
      output.servicebus_namespace_fqdn == "" && output.producer_client_id == "" && output.tenant_id == "" &&
      output.banner_events_topic == "" && output.redis_clustering_policy == ""
    )
    error_message = "kind must declare every contract output, Azure-only ones empty."
  }
}

run "renamed_queue_reaches_the_backing_chart" {
  command = plan

  variables {
    jobs_queue_name = "jobs-renamed"
  }

  assert {
    condition     = output.jobs_queue_name == "jobs-renamed" && helm_release.backing.set[0].value == "jobs-renamed"
    error_message = "A renamed queue must reach the backing chart (rabbitmq.jobsQueue) and the output the deployer passes to the airdisplay chart."
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

run "rejects_an_empty_kubeconfig_path" {
  command = plan

  variables {
    kubeconfig_path = " "
  }

  expect_failures = [var.kubeconfig_path]
}
