# AirDisplay platform. `make help` lists the targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath .)
BIN := $(ROOT)/bin
# On the offline node image (KIND_NODE_IMAGE unset or local) the node image
# is built first; it also links its kubectl into bin/. An upstream node
# image (a runner that can pull) needs neither.
KIND_OFFLINE_PREREQ := $(if $(filter-out local,$(KIND_NODE_IMAGE)),,kind-image)
# A machine starts on its own Go (GOTOOLCHAIN=local); every go command run by
# make, its scripts and the tests they start uses this patched toolchain,
# which the go command fetches once from the module proxy. Override with
# `make GOTOOLCHAIN=...`.
GOTOOLCHAIN := go1.26.10
export GOTOOLCHAIN
# Binaries from `dapr init --slim` may be used instead of building them.
DAPR_BIN_DIR ?= $(BIN)
export DAPR_BIN_DIR
CONSUMER_REPLICAS ?= 2
# Go modules of the workspace (infra/local/daprbuild is built separately).
MODULES := services/daprapp services/contracts services/producer services/consumer services/banner-actor infra/local tests
STATICCHECK_VERSION := v0.8.2
ACTIONLINT_VERSION := v1.7.7
TEST_TIMEOUT ?= 30m
# builtin: a minimal non-root base made offline; for real use a distroless
# static non-root image (gcr.io/distroless/static-debian12:nonroot).
IMAGE_BASE ?= builtin
IMAGE_REGISTRY ?= airdisplay
IMAGE_TAG ?= $(shell awk '/^appVersion:/ {gsub(/"/, "", $$2); print $$2}' helm/airdisplay/Chart.yaml 2>/dev/null || echo 0.1.0)
# Modules kept out of go.work (heavy tool dependencies); tested with GOWORK=off.
TOOL_MODULES := infra/images infra/deploy helm/tests tests/e2e
# Linted and vulnchecked like them, tested by their own target (make test-terraform).
LINT_MODULES := infra/terraform/standin
# infra/kind/build/{kubernetes,etcd,coredns} only build upstream code at the
# versions kubeadm v1.34 deploys, infra/kind/build/{dapr,keda} the Dapr and
# KEDA releases the kind cluster runs (see infra/kind/README.md); like
# daprbuild, they are gofmt-checked but not vulnchecked: fixes there are
# upstream's.
GOVULNCHECK_VERSION := v1.9.0
# The vulnerability database is a snapshot built offline from the Go module
# golang.org/x/vulndb (its data/osv) at this version. Dependabot cannot bump
# it: raise VULNDB_VERSION by hand to refresh the database.
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
# vulncheck covers MODULES and TOOL_MODULES, not infra/local/daprbuild: that
# module only builds the upstream Dapr runtime (daprd, placement, scheduler)
# at the version the project brief pins (v1.16.0); its findings are
# upstream's, fixed only by moving that pin, and none of its code is ours.
BENCH_JOBS ?= 5000
BENCH_BANNERS ?= 10000
BENCH_ACTIVATIONS ?= 100000
# banner-actor and its sidecar in bench-banners: a soft memory limit each,
# as the chart gives every container (90 % of its limit); GOGC=50 keeps
# less garbage below it. The million-activation figure in README.md is
# measured with these.
BENCH_BANNERS_ENV ?= GOMEMLIMIT=1GiB,GOGC=50

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: deps
deps: ## Install Redis, RabbitMQ and Chromium from Debian packages when missing
	@infra/local/scripts/install-deps.sh

.PHONY: dapr
dapr: ## Build daprd, placement and scheduler (pinned) into bin/, only when the pin changed
	@if [ "$(DAPR_BIN_DIR)" = "$(BIN)" ]; then unset DAPR_BIN_DIR; infra/local/scripts/build-dapr.sh "$(BIN)"; \
	else infra/local/scripts/build-dapr.sh; fi

$(BIN)/devstack: $(shell find infra/local -name '*.go' -not -path '*/daprbuild/*') infra/local/go.mod
	@mkdir -p $(BIN)
	go build -o $@ ./infra/local/cmd/devstack

.PHONY: run
run: deps dapr $(BIN)/devstack ## Start the whole platform locally (Ctrl-C stops everything); CONSUMER_REPLICAS=2
	$(BIN)/devstack -f dapr.yaml -state-dir .local -replicas consumer=$(CONSUMER_REPLICAS)

.PHONY: test
test: vulncheck deps dapr helm test-config test-terraform ## vulncheck, unit, integration (real daprd, Redis, RabbitMQ, Chromium), image, chart, Terraform and e2e-local tests, then test-redis-cluster
	go test -count=1 -timeout $(TEST_TIMEOUT) $(addsuffix /...,$(addprefix ./,$(MODULES)))
	@for m in $(TOOL_MODULES); do (cd $$m && GOWORK=off go test -count=1 -timeout $(TEST_TIMEOUT) ./...); done
	@$(MAKE) --no-print-directory test-redis-cluster

# Azure Managed Redis (OSS cluster policy) gives clients a Redis Cluster; this
# runs the integration suite on one: three redis-server masters in cluster
# mode, components with redisType cluster (REDIS_TOPOLOGY=cluster also works
# for `make run` and `make chaos`).
.PHONY: test-redis-cluster
test-redis-cluster: deps dapr ## The integration suite (jobs, banners, idempotency, dead letters, commits) on a three-master Redis Cluster, as on Azure
	cd tests && REDIS_TOPOLOGY=cluster go test -count=1 -timeout $(TEST_TIMEOUT) ./integration/...

.PHONY: test-config
test-config: ## terraform fmt -check over infra/ and actionlint over .github/workflows
	@command -v terraform >/dev/null || { echo "terraform not found: install Terraform >= 1.9"; exit 1; }
	terraform fmt -recursive -check infra/
	go run github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

# Offline with the schema-only stand-in when ../shared/terraform-schemas is
# there; TF_PROVIDERS=registry uses the real providers (infra/terraform/test.sh).
.PHONY: test-terraform
test-terraform: ## terraform init+validate of every module, example and env, terraform test of each, the outputs contract
	cd infra/terraform/standin && GOWORK=off go test -count=1 ./...
	infra/terraform/test.sh
	cd infra/deploy && GOWORK=off TF_TEST_OUTPUTS_DIR=$${XDG_CACHE_HOME:-$$HOME/.cache}/airdisplay/terraform/outputs \
		go test -count=1 -run 'TestEnvironmentOutputsFromTerraformTest' ./deploy

.PHONY: bench
bench: bench-jobs bench-banners ## Both benchmarks; figures printed beside same-run baselines, never asserted

.PHONY: bench-jobs
bench-jobs: deps dapr ## Jobs/s of the Dapr job pipeline (backlog, one consumer) and its latency at a quarter and half that rate (open loop) vs. asynq and raw AMQP (BENCH_JOBS=5000)
	cd tests && go run ./bench jobs -n $(BENCH_JOBS)

.PHONY: bench-banners
bench-banners: deps dapr ## Banner posts/s (closed and open loop) vs. a read through the actor, a bare actor call and a Redis Lua check-and-set; 100k activations with peak RSS
	cd tests && go run ./bench banners -banners $(BENCH_BANNERS) -activations $(BENCH_ACTIVATIONS) -env '$(BENCH_BANNERS_ENV)'

FUZZTIME ?= 30s
# package:FuzzTarget pairs, run one after another for FUZZTIME each.
FUZZ_TARGETS := services/contracts/jobs:FuzzRequest services/contracts/jobs:FuzzMessage \
	services/contracts/banners:FuzzPost services/contracts/banners:FuzzEvent \
	services/contracts/displaytext:FuzzInvalidUTF8 \
	services/banner-actor/internal/realtime:FuzzHandleEvent \
	services/producer/internal/api:FuzzAPI services/banner-actor/internal/api:FuzzAPI \
	services/consumer/internal/jobs:FuzzProcess

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME (seed corpora in testdata/fuzz); no crash, no 500
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$pkg $$fn"; go test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) ./$$pkg || exit 1; done

# Seconds of steady load before the first fault and between faults; CI
# runs a shorter pass (.ci/run).
CHAOS_SETTLE ?= 20s
CHAOS_FAULTS ?= consumer,consumer-daprd,banner-actor,banner-actor-daprd,placement,scheduler,redis,rabbitmq

.PHONY: chaos
chaos: deps dapr ## SIGKILL each process in turn under load (CHAOS_FAULTS, CHAOS_SETTLE); prints the account, fails on any loss
	cd tests && go run ./chaos -settle $(CHAOS_SETTLE) -faults $(CHAOS_FAULTS)

.PHONY: images
images: ## Write an OCI image tarball per service to bin/images (offline; IMAGE_BASE, IMAGE_REGISTRY, IMAGE_TAG)
	cd infra/images && GOWORK=off go run ./cmd/imagebuild -out $(BIN)/images -services-dir $(ROOT)/services \
		-base $(IMAGE_BASE) -registry $(IMAGE_REGISTRY) -tag $(IMAGE_TAG) producer consumer banner-actor

# --- Kubernetes and Azure ----------------------------------------------------
ENV ?= kind
HELM_VERSION := v3.17.3
# Remote state for ENV=azure: space-separated key=value pairs for
# `terraform init -backend-config` (see infra/envs/azure/README.md).
TF_BACKEND_CONFIG ?=
# How ENV=kind is made: terraform (default) applies infra/envs/kind; helm
# installs the same releases (KEDA, Redis and RabbitMQ, Dapr) from the same
# charts and values files through the deployer, where no Terraform provider
# can be had (this machine). See infra/envs/kind/README.md.
KIND_PROVISIONER ?= terraform
export KIND_PROVISIONER
DEPLOY := cd infra/deploy && GOWORK=off go run ./cmd/deploy -env $(ENV) -root $(ROOT) -images $(BIN)/images -tag $(IMAGE_TAG) \
	-provisioner $(KIND_PROVISIONER) \
	$(foreach kv,$(TF_BACKEND_CONFIG),-backend-config $(kv))
# kind nodes import the tarballs under their own names; the chart expects
# <registry>/airdisplay/<service> with the kind env's registry "kind.local".
KIND_IMAGE_REGISTRY := kind.local/airdisplay

$(BIN)/helm:
	GOBIN=$(BIN) go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

.PHONY: helm
helm: $(BIN)/helm ## Install the pinned helm into bin/

.PHONY: deploy
deploy: helm $(if $(filter kind,$(ENV)),$(KIND_OFFLINE_PREREQ)) ## Provision ENV=kind|azure (kind: KIND_PROVISIONER=terraform|helm), publish the images, install the chart
	$(MAKE) images $(if $(filter kind,$(ENV)),IMAGE_REGISTRY=$(KIND_IMAGE_REGISTRY))
	export PATH=$(BIN):$$PATH && $(DEPLOY) -action deploy

.PHONY: plan
plan: ## terraform plan of ENV=kind|azure (Terraform provisioner only)
	$(DEPLOY) -action plan

.PHONY: destroy
destroy: ## terraform destroy of ENV=azure; ENV=kind deletes the cluster (after terraform destroy with KIND_PROVISIONER=terraform)
	$(DEPLOY) -action destroy

.PHONY: smoke
smoke: helm ## helm test against the deployed ENV (each service answers /readyz)
	$(DEPLOY) -action smoke

# --- kind on this machine (offline) ------------------------------------------
# The node image and everything it is built from are cached outside the
# clone, keyed by the pins in infra/kind/build/*/go.mod (see infra/kind).
KIND_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/airdisplay/kind
export KIND_CACHE

.PHONY: deps-kind
deps-kind: ## Install Docker's engine, containerd, runc, mmdebstrap, CNI plugins (Debian) when missing
	@infra/local/scripts/install-deps.sh kind

.PHONY: kind-image
kind-image: deps-kind ## Build the offline kind node image (Kubernetes, etcd, CoreDNS, pause from source; cached by pin)
	cd infra/deploy && GOWORK=off go run ./cmd/kind-image -root $(ROOT) -cache $(KIND_CACHE) -kubectl $(BIN)/kubectl

.PHONY: kind-images
kind-images: deps-kind ## Build kind's Dapr (control plane, daprd), KEDA, Redis and RabbitMQ images offline (cached by pin; prints the archives)
	cd infra/deploy && GOWORK=off go run ./cmd/kind-images -root $(ROOT) -cache $(KIND_CACHE)

.PHONY: docker-up
docker-up: deps-kind ## Find or start the Docker engine kind uses (the project's own dockerd under .local/docker when needed)
	@cd infra/deploy && GOWORK=off go run ./cmd/docker-engine -root $(ROOT) up

.PHONY: docker-down
docker-down: ## Stop the project's own dockerd and every container it runs (never a system engine)
	@cd infra/deploy && GOWORK=off go run ./cmd/docker-engine -root $(ROOT) down

.PHONY: test-kind
test-kind: kind-image ## A real kind cluster from the offline image: node, kube-system, a local image's pod, DNS, Services; then deleted
	cd tests/e2e && GOWORK=off go test -tags kind_cluster -run '^TestKindCluster$$' -count=1 -timeout 30m -v ./...

.PHONY: e2e-kind
e2e-kind: helm $(KIND_OFFLINE_PREREQ) ## The end-to-end scenario on a new kind cluster, KEDA 0→N→0 (needs a Docker engine; KIND_PROVISIONER as for deploy)
	$(MAKE) images IMAGE_REGISTRY=$(KIND_IMAGE_REGISTRY)
	cd tests/e2e && PATH=$(BIN):$$PATH GOWORK=off go test -tags e2e_kind -run TestScenarioOnKind -count=1 -timeout 60m -v ./...

.PHONY: e2e-azure
e2e-azure: helm ## The end-to-end scenario on a new Azure environment, always destroyed (needs ARM_* credentials)
	$(MAKE) images
	cd tests/e2e && GOWORK=off go test -tags e2e_azure -run TestScenarioOnAzure -count=1 -timeout 120m -v ./...

.PHONY: lint
lint: ## gofmt, go vet and staticcheck over every module
	@out=$$(gofmt -l $(MODULES) $(TOOL_MODULES) $(LINT_MODULES) infra/local/daprbuild infra/kind/build); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet $(addsuffix /...,$(addprefix ./,$(MODULES)))
	go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) $(addsuffix /...,$(addprefix ./,$(MODULES)))
	@for m in $(TOOL_MODULES) $(LINT_MODULES); do (cd $$m && GOWORK=off go vet -tags e2e_kind,e2e_azure,kind_cluster ./... && GOWORK=off go run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) -tags e2e_kind,e2e_azure,kind_cluster ./...); done


# Tools are installed into bin/ once per pinned version (the stamp names it).
$(BIN)/.govulncheck-$(GOVULNCHECK_VERSION):
	@mkdir -p $(BIN) && rm -f $(BIN)/.govulncheck-*
	GOBIN=$(BIN) go install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)
	@touch $@

$(BIN)/.indexdb-$(VULNDB_VERSION):
	@mkdir -p $(BIN) && rm -f $(BIN)/.indexdb-*
	GOBIN=$(BIN) go install golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION)
	@touch $@

# The database, built once per VULNDB_VERSION from the module's OSV files.
$(BIN)/vulndb/.version-$(VULNDB_VERSION): $(BIN)/.indexdb-$(VULNDB_VERSION)
	rm -rf $(BIN)/vulndb
	dir=$$(go mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
		[ -d "$$dir/data/osv" ] || { echo "vulncheck: no data/osv in golang.org/x/vulndb@$(VULNDB_VERSION)"; exit 1; }; \
		$(BIN)/indexdb -vulns "$$dir/data/osv" -out $(BIN)/vulndb
	@touch $@

.PHONY: vulncheck
vulncheck: $(BIN)/.govulncheck-$(GOVULNCHECK_VERSION) $(BIN)/vulndb/.version-$(VULNDB_VERSION) ## govulncheck over every module (not daprbuild) against the offline DB snapshot VULNDB_VERSION
	@failed=; \
	for m in $(MODULES) $(TOOL_MODULES) $(LINT_MODULES); do \
		case " $(TOOL_MODULES) $(LINT_MODULES) " in *" $$m "*) work=off;; *) work=;; esac; \
		echo "govulncheck $$m$${work:+ (GOWORK=off)}"; \
		(cd $$m && GOWORK=$$work $(BIN)/govulncheck -db file://$(BIN)/vulndb ./...) || failed="$$failed $$m"; \
	done; \
	if [ -n "$$failed" ]; then echo "vulncheck: vulnerabilities or errors in:$$failed"; exit 1; fi

.PHONY: tidy
tidy: ## go mod tidy in every module
	@for m in $(MODULES) $(TOOL_MODULES); do (cd $$m && GOWORK=off go mod tidy); done

.PHONY: build
build: ## Build every service binary into bin/ (each module on its own, GOWORK=off)
	@for s in producer consumer banner-actor; do (cd services/$$s && GOWORK=off go build -o $(BIN)/$$s ./cmd/$$s); done

.PHONY: clean
clean: ## Remove local stack data (.local/); keeps the built Dapr binaries
	rm -rf .local
