//go:build tools

// Package keda pins the KEDA binaries the kind cluster runs; the builder
// builds the three main packages below from this module.
package keda

import (
	_ "github.com/kedacore/keda/v2/cmd/adapter"
	_ "github.com/kedacore/keda/v2/cmd/operator"
	_ "github.com/kedacore/keda/v2/cmd/webhooks"
)
