module github.com/airdisplay/platform/tests

go 1.26.0

replace (
	github.com/airdisplay/platform/infra/local => ../infra/local
	github.com/airdisplay/platform/services/contracts => ../services/contracts
	github.com/airdisplay/platform/services/daprapp => ../services/daprapp
)

require (
	github.com/airdisplay/platform/infra/local v0.0.0
	github.com/airdisplay/platform/services/contracts v0.0.0
	github.com/rabbitmq/amqp091-go v1.10.0
	github.com/redis/go-redis/v9 v9.17.3
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
	github.com/kr/text v0.2.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
