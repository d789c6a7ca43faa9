# Plan-only tests of the keda module against a mocked helm provider (schema
# from the provider; run `make test-terraform`).

mock_provider "helm" {}

variables {
  workload_identity_client_id = "77777777-7777-4777-8777-777777777777"
  tenant_id                   = "00000000-0000-4000-8000-000000000002"
}

run "operator_federated_through_its_service_account" {
  command = plan

  assert {
    condition     = helm_release.this.chart == "keda" && helm_release.this.version == "2.21.0" && helm_release.this.namespace == "keda"
    error_message = "The keda chart must be installed at the pinned version into keda."
  }

  assert {
    condition = (
      yamldecode(helm_release.this.values[0]).serviceAccount.operator.name == "keda-operator" &&
      output.operator_service_account_name == "keda-operator"
    )
    error_message = "The operator's service account must be the one the identity module federates (keda-operator)."
  }

  assert {
    condition = (
      yamldecode(helm_release.this.values[0]).podIdentity.azureWorkload.enabled &&
      yamldecode(helm_release.this.values[0]).podIdentity.azureWorkload.clientId == "77777777-7777-4777-8777-777777777777" &&
      yamldecode(helm_release.this.values[0]).podIdentity.azureWorkload.tenantId == "00000000-0000-4000-8000-000000000002"
    )
    error_message = "KEDA must authenticate with Azure workload identity as the given client in the given tenant."
  }
}

run "no_azure_identity_on_kind" {
  command = plan

  variables {
    azure_workload_identity_enabled = false
    workload_identity_client_id     = null
    tenant_id                       = null
  }

  assert {
    condition     = !yamldecode(helm_release.this.values[0]).podIdentity.azureWorkload.enabled
    error_message = "Without workload identity the chart must not ask for it."
  }
}

run "rejects_workload_identity_without_ids" {
  command = plan

  variables {
    workload_identity_client_id = null
    tenant_id                   = null
  }

  expect_failures = [var.workload_identity_client_id, var.tenant_id]
}

run "rejects_ids_that_are_not_guids" {
  command = plan

  variables {
    workload_identity_client_id = "keda"
    tenant_id                   = "contoso.onmicrosoft.com"
  }

  expect_failures = [var.workload_identity_client_id, var.tenant_id]
}

run "rejects_bad_names" {
  command = plan

  variables {
    chart_version                 = "3.0.0"
    repository                    = "ftp://charts"
    release_name                  = "KEDA"
    namespace                     = "-keda"
    operator_service_account_name = "Keda Operator"
    timeout                       = 7200
  }

  expect_failures = [var.chart_version, var.repository, var.release_name, var.namespace, var.operator_service_account_name, var.timeout]
}

run "values_files_come_last" {
  command = plan

  variables {
    azure_workload_identity_enabled = false
    workload_identity_client_id     = null
    tenant_id                       = null
    values_files                    = ["../../envs/kind/values/keda.yaml"]
  }

  assert {
    condition = (
      length(helm_release.this.values) == 2 &&
      yamldecode(helm_release.this.values[1]).image.pullPolicy == "IfNotPresent"
    )
    error_message = "values_files must be read and applied after the module's values."
  }
}
