//go:build e2e_azure

package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gruntwork-io/terratest/modules/random"
	test_structure "github.com/gruntwork-io/terratest/modules/test-structure"

	"github.com/airdisplay/platform/infra/deploy/deploy"
	"github.com/airdisplay/platform/tests/e2e/scenario"
)

// The scenario on a fresh Azure environment (infra/envs/azure) with unique
// names; teardown always destroys it. Run with -timeout 45m or more.
// Stages: SKIP_setup, SKIP_validate, SKIP_teardown.
func TestScenarioOnAzure(t *testing.T) {
	t.Parallel()
	// On a workstation a missing variable skips the test; in CI (the
	// nightly workflow sets CI=true) it fails it, so a run that never
	// reached Azure is never green.
	for _, k := range azureVariables {
		if os.Getenv(k) == "" {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not set: the e2e-azure workflow must pass every one of %v", k, azureVariables)
			}
			t.Skipf("no Azure credentials or state storage: %s is not set", k)
		}
	}
	ctx := context.Background()
	workDir := test_structure.CopyTerraformFolderToTemp(t, "../..", "infra/envs/azure")
	deployer := func(unique string) *deploy.Deployer {
		d, err := deploy.New(deploy.Config{
			Env: "azure", EnvDir: workDir, RepoRoot: "../..", ImagesDir: "../../bin/images", ImageTag: imageTag(t),
			Vars: map[string]string{"name_prefix": "ade2e", "unique_suffix": unique},
			BackendConfig: []string{
				"resource_group_name=" + os.Getenv("TFSTATE_RESOURCE_GROUP"),
				"storage_account_name=" + os.Getenv("TFSTATE_STORAGE_ACCOUNT"),
				"container_name=tfstate", "key=e2e-" + unique + ".tfstate",
				"use_azuread_auth=true", "use_oidc=true",
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	defer test_structure.RunTestStage(t, "teardown", func() {
		d := deployer(test_structure.LoadString(t, workDir, "unique"))
		if err := d.Init(ctx); err != nil {
			t.Fatal(err)
		}
		if err := d.Destroy(ctx); err != nil {
			t.Error(err)
		}
	})

	test_structure.RunTestStage(t, "setup", func() {
		unique := strings.ToLower(random.UniqueId())
		test_structure.SaveString(t, workDir, "unique", unique)
		d := deployer(unique)
		o, err := d.Deploy(ctx)
		if err != nil {
			t.Fatal(err)
		}
		kubeconfig, err := d.AKSKubeconfig(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		test_structure.SaveString(t, workDir, "kubeconfig", kubeconfig)
		test_structure.SaveString(t, workDir, "namespace", o.Namespace)
	})

	test_structure.RunTestStage(t, "validate", func() {
		kubeconfig, ns := test_structure.LoadString(t, workDir, "kubeconfig"), test_structure.LoadString(t, workDir, "namespace")
		defer saveLogs(t, kubeconfig, ns)
		e, closeTunnels := tunnels(t, kubeconfig, ns, "airdisplay")
		defer closeTunnels()
		scenario.Run(ctx, t, e, scenario.Options{Timeout: 10 * time.Minute, RunID: test_structure.LoadString(t, workDir, "unique")})
	})
}
