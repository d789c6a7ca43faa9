package deploy

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestPlanWithoutAzureCredentialsStopsInOneSentence(t *testing.T) {
	for _, k := range []string{"ARM_SUBSCRIPTION_ID", "ARM_USE_OIDC", "ARM_CLIENT_SECRET", "ARM_USE_MSI"} {
		t.Setenv(k, "")
	}
	err := CheckAzureCredentials(context.Background())
	if !errors.Is(err, ErrNoAzureCredentials) {
		t.Fatalf("err = %v, want ErrNoAzureCredentials", err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || strings.Count(msg, ". ") > 0 {
		t.Errorf("not one sentence: %q", msg)
	}
	t.Setenv("ARM_SUBSCRIPTION_ID", "00000000-0000-4000-8000-000000000001")
	t.Setenv("ARM_USE_OIDC", "true")
	if err := CheckAzureCredentials(context.Background()); err != nil {
		t.Errorf("OIDC credentials refused: %v", err)
	}
}
