// Package daprapp holds what every AirDisplay service needs around its own
// logic: configuration from the environment (envconfig), JSON logs and
// Prometheus metrics (observability), and an HTTP server with health and
// readiness probes and graceful shutdown (httpserver); and for the tests of
// every service, an in-memory sidecar (daprtest) and the checks of a public
// API against its OpenAPI document and under fuzzing (apitest).
package daprapp
