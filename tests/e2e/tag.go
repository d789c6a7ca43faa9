//go:build e2e_kind || e2e_azure

package e2e

import (
	"os"
	"testing"
)

// imageTag is the tag `make images` gave the images (IMAGE_TAG).
func imageTag(t *testing.T) string {
	t.Helper()
	if tag := os.Getenv("IMAGE_TAG"); tag != "" {
		return tag
	}
	return "0.1.0"
}
