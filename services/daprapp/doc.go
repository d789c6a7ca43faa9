// Package daprapp holds what every AirDisplay service needs around its own
// logic: configuration from the environment (envconfig), JSON logs and
// Prometheus metrics (observability), and an HTTP server with health and
// readiness probes and graceful shutdown (httpserver).
package daprapp
