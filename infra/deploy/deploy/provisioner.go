package deploy

import (
	"fmt"
	"strings"
)

// Provisioner says how the kind environment (infra/envs/kind) is made.
type Provisioner string

const (
	// ProvisionerTerraform applies infra/envs/kind (the default): its
	// helm_release resources install the charts from their repositories.
	ProvisionerTerraform Provisioner = "terraform"
	// ProvisionerHelm installs the same releases, with the same values
	// files, through Helm: for a machine without Terraform providers.
	ProvisionerHelm Provisioner = "helm"
)

// ProvisionerEnv names the environment variable (and make variable) that
// picks the provisioner; the -provisioner flag overrides it.
const ProvisionerEnv = "KIND_PROVISIONER"

// ParseProvisioner reads a provisioner name; empty is the default, terraform.
func ParseProvisioner(s string) (Provisioner, error) {
	switch p := Provisioner(strings.ToLower(strings.TrimSpace(s))); p {
	case "":
		return ProvisionerTerraform, nil
	case ProvisionerTerraform, ProvisionerHelm:
		return p, nil
	default:
		return "", fmt.Errorf("%s=%q: want terraform or helm", ProvisionerEnv, s)
	}
}
