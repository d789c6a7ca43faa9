// Command deploy provisions an environment and installs AirDisplay on it:
//
//	deploy -env kind|azure [-action deploy|plan|destroy|smoke] [-provisioner terraform|helm]
//	       [-var k=v ...] [-backend-config k=v ...]
//
// -provisioner (default: $KIND_PROVISIONER, else terraform) picks how ENV=kind
// is made: Terraform's infra/envs/kind, or the same Helm releases with the
// same values files installed by the deployer (no Terraform providers needed).
//
// `make deploy ENV=...`, `make plan` and `make destroy` call it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/airdisplay/platform/infra/deploy/deploy"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	env := flag.String("env", "kind", "environment: kind or azure")
	action := flag.String("action", "deploy", "deploy, plan, destroy or smoke")
	root := flag.String("root", ".", "repository root")
	images := flag.String("images", "bin/images", "image tarballs from `make images`")
	tag := flag.String("tag", "0.1.0", "image tag")
	provisioner := flag.String("provisioner", os.Getenv(deploy.ProvisionerEnv), "ENV=kind: terraform or helm (default $"+deploy.ProvisionerEnv+", else terraform)")
	var vars, backend multi
	flag.Var(&vars, "var", "Terraform variable name=value (repeatable)")
	flag.Var(&backend, "backend-config", "terraform init -backend-config (repeatable; azure remote state)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	v := map[string]string{}
	for _, kv := range vars {
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			fail(fmt.Errorf("-var %q: want name=value", kv))
		}
		v[k] = val
	}
	if *env == "kind" && v["kubeconfig_path"] == "" && *action != "deploy" {
		v["kubeconfig_path"] = *root + "/.local/kind-airdisplay.kubeconfig"
	}
	prov, err := deploy.ParseProvisioner(*provisioner)
	if err != nil {
		fail(err)
	}
	d, err := deploy.New(deploy.Config{Env: *env, RepoRoot: *root, Vars: v, BackendConfig: backend, ImagesDir: *images, ImageTag: *tag,
		KindProvisioner: prov})
	if err != nil {
		fail(err)
	}
	switch *action {
	case "deploy":
		o, err := d.Deploy(ctx)
		if err != nil {
			fail(err)
		}
		fmt.Printf("deployed AirDisplay to %s (cluster %s, namespace %s, provisioner %s)\n", o.Flavor, o.ClusterName, o.Namespace, prov)
		fmt.Print(d.Access(o, d.Kubeconfig(o)))
	case "plan":
		if *env == "azure" {
			if err := deploy.CheckAzureCredentials(ctx); err != nil {
				fail(err)
			}
		}
		if err := d.Init(ctx); err != nil {
			fail(err)
		}
		changes, err := d.Plan(ctx)
		if err != nil {
			fail(err)
		}
		fmt.Println("changes pending:", changes)
	case "smoke":
		if err := d.Init(ctx); err != nil {
			fail(err)
		}
		if err := d.Smoke(ctx); err != nil {
			fail(err)
		}
	case "destroy":
		err := d.Init(ctx)
		if err == nil {
			err = d.Destroy(ctx)
		}
		if *env != "kind" {
			if err != nil {
				fail(err)
			}
			return
		}
		// Everything the kind environment makes lives in the cluster, so
		// deleting it removes all of it even when Terraform cannot run
		// (no providers on an offline machine).
		if err != nil {
			fmt.Fprintf(os.Stderr, "deploy: terraform destroy of the kind environment failed (%v); deleting the cluster, which holds all of it\n", err)
		}
		if err := d.DeleteKindCluster(ctx); err != nil {
			fail(err)
		}
		fmt.Println("deleted the kind cluster; `make docker-down` stops the project's Docker engine")
	default:
		fail(fmt.Errorf("-action %q: want deploy, plan, destroy or smoke", *action))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "deploy:", err)
	os.Exit(1)
}
