//go:build tools

// Package daprbuild pins the Dapr runtime binaries the local stack runs.
package daprbuild

import (
	_ "github.com/dapr/dapr/cmd/daprd"
	_ "github.com/dapr/dapr/cmd/placement"
	_ "github.com/dapr/dapr/cmd/scheduler"
)
