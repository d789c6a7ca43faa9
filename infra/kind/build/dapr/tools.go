//go:build tools

// Package dapr pins the Dapr binaries the kind cluster runs; the builder
// builds these main packages from this module with -tags stablecomponents.
package dapr

import (
	_ "github.com/dapr/dapr/cmd/daprd"
	_ "github.com/dapr/dapr/cmd/injector"
	_ "github.com/dapr/dapr/cmd/operator"
	_ "github.com/dapr/dapr/cmd/placement"
	_ "github.com/dapr/dapr/cmd/scheduler"
	_ "github.com/dapr/dapr/cmd/sentry"
)
