package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/airdisplay/platform/infra/deploy/kindcluster"
)

// Config says what to deploy where.
type Config struct {
	Env           string            // azure or kind
	EnvDir        string            // Terraform root; default <RepoRoot>/infra/envs/<Env>
	RepoRoot      string            // holds helm/ and bin/
	Vars          map[string]string // -var name=value
	BackendConfig []string          // -backend-config for `terraform init` (azure remote state)
	TerraformPath string            // default: terraform on PATH
	HelmPath      string            // default: <RepoRoot>/bin/helm, then helm on PATH
	ImagesDir     string            // OCI tarballs from `make images`
	ImageTag      string
	KindCluster   string // kind cluster name
	Release       string // Helm release name
	// KindProvisioner makes ENV=kind: Terraform (default) or Helm
	// (KIND_PROVISIONER=helm: the same releases without Terraform).
	KindProvisioner Provisioner
	Stdout          io.Writer
}

// Deployer runs the steps of a deployment.
type Deployer struct {
	cfg  Config
	tf   *tfexec.Terraform
	kind *kindcluster.Cluster // ENV=kind, once made
}

// New checks that Terraform is there and prepares the environment's root.
func New(cfg Config) (*Deployer, error) {
	if cfg.Env != "azure" && cfg.Env != "kind" && cfg.EnvDir == "" {
		return nil, fmt.Errorf("ENV=%q: want azure or kind", cfg.Env)
	}
	if cfg.EnvDir == "" {
		cfg.EnvDir = filepath.Join(cfg.RepoRoot, "infra", "envs", cfg.Env)
	}
	if cfg.Stdout == nil {
		cfg.Stdout = os.Stdout
	}
	if cfg.Release == "" {
		cfg.Release = "airdisplay"
	}
	if cfg.KindCluster == "" {
		cfg.KindCluster = "airdisplay"
	}
	// Unset: KIND_PROVISIONER (so `KIND_PROVISIONER=helm make e2e-kind`
	// reaches the e2e's deployer too), else terraform.
	if cfg.KindProvisioner == "" {
		cfg.KindProvisioner = Provisioner(os.Getenv(ProvisionerEnv))
	}
	p, err := ParseProvisioner(string(cfg.KindProvisioner))
	if err != nil {
		return nil, err
	}
	cfg.KindProvisioner = p
	if cfg.UsesHelmProvisioner() {
		// No Terraform: the releases go in through Helm.
		return &Deployer{cfg: cfg}, nil
	}
	tfPath := cfg.TerraformPath
	if tfPath == "" {
		p, err := exec.LookPath("terraform")
		if err != nil {
			return nil, errors.New("terraform not found on PATH: install Terraform >= 1.9")
		}
		tfPath = p
	}
	tf, err := tfexec.NewTerraform(cfg.EnvDir, tfPath)
	if err != nil {
		return nil, fmt.Errorf("terraform in %s: %w", cfg.EnvDir, err)
	}
	tf.SetStdout(cfg.Stdout)
	tf.SetStderr(cfg.Stdout)
	return &Deployer{cfg: cfg, tf: tf}, nil
}

// UsesHelmProvisioner reports whether the environment is made without
// Terraform (ENV=kind, KIND_PROVISIONER=helm).
func (c Config) UsesHelmProvisioner() bool {
	return c.Env == "kind" && c.KindProvisioner == ProvisionerHelm
}

// CheckPrerequisites names what is missing before anything is changed.
func (d *Deployer) CheckPrerequisites(ctx context.Context) error {
	switch d.cfg.Env {
	case "kind":
		// kind drives its nodes through the docker CLI; the engine itself
		// is found or started by EnsureKindCluster.
		if _, err := exec.LookPath("docker"); err != nil {
			return errors.New("docker not found: kind runs its nodes as Docker containers; install Docker (Debian's docker.io; make deps installs it)")
		}
	case "azure":
		var missing []string
		for _, k := range []string{"ARM_SUBSCRIPTION_ID", "ARM_TENANT_ID"} {
			if os.Getenv(k) == "" {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("azure credentials missing: set %s (and ARM_CLIENT_ID with ARM_USE_OIDC=true in CI, or run `az login`)", strings.Join(missing, ", "))
		}
		for _, tool := range []string{"az", "kubelogin", "kubectl"} {
			if _, err := exec.LookPath(tool); err != nil {
				return fmt.Errorf("%s not found: deploying to AKS needs the Azure CLI, kubelogin and kubectl", tool)
			}
		}
		if os.Getenv("ARM_USE_OIDC") != "true" {
			if err := exec.CommandContext(ctx, "az", "account", "show").Run(); err != nil {
				return errors.New("not logged in to Azure: run `az login` (or set ARM_USE_OIDC=true with ARM_CLIENT_ID for workload identity federation)")
			}
		}
	}
	if _, err := d.helm(); err != nil {
		return err
	}
	return nil
}

func (d *Deployer) helm() (string, error) {
	if d.cfg.HelmPath != "" {
		return d.cfg.HelmPath, nil
	}
	if p := filepath.Join(d.cfg.RepoRoot, "bin", "helm"); fileExists(p) {
		return p, nil
	}
	if p, err := exec.LookPath("helm"); err == nil {
		return p, nil
	}
	return "", errors.New("helm not found: run `make helm`")
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func (d *Deployer) varOptions() []tfexec.ApplyOption {
	var opts []tfexec.ApplyOption
	for k, v := range d.cfg.Vars {
		opts = append(opts, tfexec.Var(k+"="+v))
	}
	return opts
}

// Init runs `terraform init`, with the remote-state backend configuration
// when one is given.
func (d *Deployer) Init(ctx context.Context) error {
	if d.tf == nil {
		return nil // Helm provisioner: nothing to initialise
	}
	var opts []tfexec.InitOption
	for _, bc := range d.cfg.BackendConfig {
		opts = append(opts, tfexec.BackendConfig(bc))
	}
	if err := d.tf.Init(ctx, opts...); err != nil {
		return fmt.Errorf("terraform init (%s): %w", d.cfg.EnvDir, err)
	}
	return nil
}

// Plan runs `terraform plan` and reports whether anything would change.
func (d *Deployer) Plan(ctx context.Context) (bool, error) {
	if d.tf == nil {
		return false, fmt.Errorf("plan is Terraform's: %s=helm installs the releases of infra/envs/kind directly (see `make deploy`)", ProvisionerEnv)
	}
	var opts []tfexec.PlanOption
	for k, v := range d.cfg.Vars {
		opts = append(opts, tfexec.Var(k+"="+v))
	}
	changes, err := d.tf.Plan(ctx, opts...)
	if err != nil {
		return false, fmt.Errorf("terraform plan: %w", err)
	}
	return changes, nil
}

// Apply runs `terraform apply` and returns the environment's outputs.
func (d *Deployer) Apply(ctx context.Context) (Outputs, error) {
	if err := d.tf.Apply(ctx, d.varOptions()...); err != nil {
		return Outputs{}, fmt.Errorf("terraform apply: %w", err)
	}
	return d.Outputs(ctx)
}

// Outputs reads the environment's outputs (with the Helm provisioner, the
// ones infra/envs/kind would give, from the same files: KindOutputs).
func (d *Deployer) Outputs(ctx context.Context) (Outputs, error) {
	if d.cfg.UsesHelmProvisioner() {
		return KindOutputs(d.cfg.EnvDir, d.cfg.RepoRoot, d.cfg.Vars)
	}
	raw, err := d.tf.Output(ctx)
	if err != nil {
		return Outputs{}, fmt.Errorf("terraform output: %w", err)
	}
	return ParseOutputs(raw)
}

// Destroy runs `terraform destroy`.
func (d *Deployer) Destroy(ctx context.Context) error {
	if d.tf == nil {
		return nil // Helm provisioner: everything is in the kind cluster, which DeleteKindCluster removes
	}
	var opts []tfexec.DestroyOption
	for k, v := range d.cfg.Vars {
		opts = append(opts, tfexec.Var(k+"="+v))
	}
	if err := d.tf.Destroy(ctx, opts...); err != nil {
		return fmt.Errorf("terraform destroy: %w", err)
	}
	return nil
}

// HelmInstall runs `helm upgrade --install` of the chart with the flavor's
// values file and the values produced from the outputs.
func (d *Deployer) HelmInstall(ctx context.Context, o Outputs, kubeconfig string) error {
	helm, err := d.helm()
	if err != nil {
		return err
	}
	values, err := HelmValues(o, d.cfg.ImageTag)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp("", "airdisplay-values-*.yaml")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(values); err != nil {
		return err
	}
	f.Close()
	chart := filepath.Join(d.cfg.RepoRoot, "helm", "airdisplay")
	args := []string{"upgrade", "--install", d.cfg.Release, chart,
		"--namespace", o.Namespace, "--create-namespace",
		"-f", filepath.Join(chart, "values-"+o.Flavor+".yaml"), "-f", f.Name(),
		"--wait", "--timeout", "10m"}
	if kubeconfig != "" {
		args = append(args, "--kubeconfig", kubeconfig)
	}
	cmd := exec.CommandContext(ctx, helm, args...)
	cmd.Stdout, cmd.Stderr = d.cfg.Stdout, d.cfg.Stdout
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("helm upgrade --install: %w", err)
	}
	return nil
}
