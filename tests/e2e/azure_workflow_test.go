package e2e

import (
	"os"
	"regexp"
	"testing"
)

// The nightly Azure workflow passes every variable the Azure scenario
// needs, each from a repository variable or secret: a workflow that
// leaves one out would run the test with nothing to test against.
func TestAzureWorkflowPassesEveryVariable(t *testing.T) {
	t.Parallel()
	wf, err := os.ReadFile("../../.github/workflows/e2e-azure.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range azureVariables {
		re := regexp.MustCompile(`(?m)^\s+` + v + `:\s*\$\{\{\s*(vars|secrets)\.\w+\s*\}\}\s*$`)
		if !re.Match(wf) {
			t.Errorf("e2e-azure.yml does not set %s from a variable or secret", v)
		}
	}
}
