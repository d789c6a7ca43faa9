package deploy

import (
	"context"
	"errors"
	"os"
	"os/exec"
)

// ErrNoAzureCredentials is the one sentence `make plan ENV=azure` ends with
// when Terraform would have no way to authenticate to Azure.
var ErrNoAzureCredentials = errors.New("no Azure credentials: set ARM_SUBSCRIPTION_ID and log in with `az login` (or set ARM_USE_OIDC=true and ARM_CLIENT_ID in CI) before planning the azure environment")

// CheckAzureCredentials reports whether the azurerm provider will find
// credentials: a subscription, and an Azure CLI login, OIDC federation or a
// client secret. It runs no Terraform, so a missing login fails in one
// sentence instead of a provider's stack of diagnostics.
func CheckAzureCredentials(ctx context.Context) error {
	if os.Getenv("ARM_SUBSCRIPTION_ID") == "" {
		return ErrNoAzureCredentials
	}
	if os.Getenv("ARM_USE_OIDC") == "true" || os.Getenv("ARM_CLIENT_SECRET") != "" || os.Getenv("ARM_USE_MSI") == "true" {
		return nil
	}
	if _, err := exec.LookPath("az"); err != nil {
		return ErrNoAzureCredentials
	}
	if err := exec.CommandContext(ctx, "az", "account", "show").Run(); err != nil {
		return ErrNoAzureCredentials
	}
	return nil
}
