module github.com/airdisplay/platform/tests

go 1.24.6

replace (
	github.com/airdisplay/platform/infra/local => ../infra/local
	github.com/airdisplay/platform/services/contracts => ../services/contracts
	github.com/airdisplay/platform/services/daprapp => ../services/daprapp
)
