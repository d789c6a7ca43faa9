// The deployer: Terraform (terraform-exec), images, kind (Go API) and Helm.
// Kept out of go.work so its dependencies never reach the services.
module github.com/airdisplay/platform/infra/deploy

go 1.24.6
