# Plan-only tests of the dapr module against a mocked helm provider (schema
# from the provider; run `make test-terraform`).

mock_provider "helm" {}

run "pinned_chart_with_mtls_and_ha" {
  command = plan

  assert {
    condition = (
      helm_release.this.chart == "dapr" &&
      helm_release.this.version == "1.16.0" &&
      helm_release.this.repository == "https://dapr.github.io/helm-charts/" &&
      helm_release.this.namespace == "dapr-system"
    )
    error_message = "The dapr chart must be installed at the pinned version into dapr-system."
  }

  assert {
    condition = (
      yamldecode(helm_release.this.values[0]).global.mtls.enabled &&
      yamldecode(helm_release.this.values[0]).global.ha.enabled
    )
    error_message = "Dapr must run with mTLS and, by default, highly available."
  }

  assert {
    condition     = helm_release.this.atomic && helm_release.this.wait
    error_message = "The release must roll back on failure and wait for the control plane."
  }
}

run "single_replicas_when_ha_is_off" {
  command = plan

  variables {
    ha_enabled   = false
    extra_values = ["dapr_operator:\n  logLevel: debug\n"]
  }

  assert {
    condition     = !yamldecode(helm_release.this.values[0]).global.ha.enabled && length(helm_release.this.values) == 2
    error_message = "ha_enabled = false must turn HA off; extra_values must come after the module's values."
  }
}

run "rejects_bad_values" {
  command = plan

  variables {
    chart_version = "1.15.3"
    repository    = "http://insecure.example"
    release_name  = "Dapr"
    namespace     = "dapr_system"
    timeout       = 30
  }

  expect_failures = [var.chart_version, var.repository, var.release_name, var.namespace, var.timeout]
}

run "values_files_come_last" {
  command = plan

  variables {
    extra_values = ["global:\n  logAsJson: true\n"]
    values_files = ["../../envs/kind/values/dapr.yaml"]
  }

  assert {
    condition = (
      length(helm_release.this.values) == 3 &&
      yamldecode(helm_release.this.values[2]) == yamldecode(file("../../envs/kind/values/dapr.yaml"))
    )
    error_message = "values_files must be read and applied after the module's values and extra_values."
  }
}

run "rejects_missing_values_files" {
  command = plan

  variables {
    values_files = ["no-such-values.yaml"]
  }

  expect_failures = [var.values_files]
}
