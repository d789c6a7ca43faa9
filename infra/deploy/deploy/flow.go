package deploy

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Deploy provisions the environment and installs the platform on it:
// prerequisites, (kind) cluster, images and volume directories,
// terraform init+apply, (azure) images, helm. With KIND_PROVISIONER=helm
// the kind environment's releases go in without Terraform
// (deployKindWithHelm).
func (d *Deployer) Deploy(ctx context.Context) (Outputs, error) {
	if err := d.CheckPrerequisites(ctx); err != nil {
		return Outputs{}, err
	}
	if d.cfg.UsesHelmProvisioner() {
		return d.deployKindWithHelm(ctx)
	}
	kubeconfig := ""
	if d.cfg.Env == "kind" {
		var err error
		if kubeconfig, err = d.EnsureKindCluster(ctx); err != nil {
			return Outputs{}, err
		}
		if d.cfg.Vars == nil {
			d.cfg.Vars = map[string]string{}
		}
		d.cfg.Vars["kubeconfig_path"] = kubeconfig
		if _, set := d.cfg.Vars["offline_node"]; !set {
			d.cfg.Vars["offline_node"] = fmt.Sprint(OfflineNode())
		}
		// Before the releases, which wait for their pods.
		if err := d.loadKindImages(ctx); err != nil {
			return Outputs{}, err
		}
		if d.cfg.Vars["offline_node"] == "true" {
			if err := d.prepareStaticVolumes(); err != nil {
				return Outputs{}, err
			}
		}
	}
	if err := d.Init(ctx); err != nil {
		return Outputs{}, err
	}
	o, err := d.Apply(ctx)
	if err != nil {
		return Outputs{}, err
	}
	switch o.Flavor {
	case "kind":
		// Images were loaded before terraform apply.
	case "azure":
		if err = d.PushImages(ctx, o.RegistryLoginServer); err == nil {
			kubeconfig, err = d.AKSKubeconfig(ctx, o)
		}
		if err == nil {
			err = d.EnsureAPITokens(ctx, kubeconfig, o.Namespace)
		}
	default:
		err = fmt.Errorf("output flavor %q: want azure or kind", o.Flavor)
	}
	if err == nil {
		err = WaitForKEDAMetrics(ctx, kubeconfig, d.cfg.Stdout)
	}
	if err != nil {
		return o, err
	}
	return o, d.HelmInstall(ctx, o, kubeconfig)
}

// AKSKubeconfig fetches credentials for the AKS cluster (Azure RBAC, local
// accounts disabled) and converts them to use the Azure CLI's login, which
// `az login` gives a person and azure/login (OIDC) gives CI.
func (d *Deployer) AKSKubeconfig(ctx context.Context, o Outputs) (string, error) {
	path := filepath.Join(d.cfg.RepoRoot, ".local", "aks-"+o.ClusterName+".kubeconfig")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	get := exec.CommandContext(ctx, "az", "aks", "get-credentials", "--resource-group", o.ResourceGroupName,
		"--name", o.ClusterName, "--file", path, "--overwrite-existing")
	if out, err := get.CombinedOutput(); err != nil {
		return "", fmt.Errorf("az aks get-credentials: %v: %s", err, out)
	}
	conv := exec.CommandContext(ctx, "kubelogin", "convert-kubeconfig", "-l", "azurecli", "--kubeconfig", path)
	if out, err := conv.CombinedOutput(); err != nil {
		return "", fmt.Errorf("kubelogin convert-kubeconfig (install kubelogin): %v: %s", err, out)
	}
	return path, nil
}

// Smoke runs the chart's `helm test` hooks (each service answers /readyz)
// against a deployed environment.
func (d *Deployer) Smoke(ctx context.Context) error {
	o, err := d.Outputs(ctx)
	if err != nil {
		return err
	}
	kubeconfig := filepath.Join(d.cfg.RepoRoot, ".local", "kind-"+d.cfg.KindCluster+".kubeconfig")
	if o.Flavor == "azure" {
		if kubeconfig, err = d.AKSKubeconfig(ctx, o); err != nil {
			return err
		}
	}
	helm, err := d.helm()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, helm, "test", d.cfg.Release, "--namespace", o.Namespace, "--kubeconfig", kubeconfig, "--logs", "--timeout", "5m")
	cmd.Stdout, cmd.Stderr = d.cfg.Stdout, d.cfg.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("helm test: %w", err)
	}
	return nil
}
