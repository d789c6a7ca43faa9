#!/usr/bin/env bash
# make test-terraform: `terraform init -backend=false` + `terraform validate`
# in every module, every modules/*/examples/* and every environment, then
# `terraform test` in each module and environment that has tests/.
#
# Providers:
#   TF_PROVIDERS=standin  (default when ../shared/terraform-schemas exists)
#     the schema-only stand-in (infra/terraform/standin), installed under each
#     provider's address and version into a filesystem mirror in the cache,
#     with a CLI config of its own: nothing reaches the user's Terraform setup.
#   TF_PROVIDERS=registry  the real providers from the Terraform registry.
#
# Everything runs on a copy of infra/modules and infra/envs in the cache
# folder with a scratch TF_DATA_DIR, so no .terraform/ and no
# .terraform.lock.hcl (whose hashes would be the stand-in's) is ever
# written into the work tree.
#
# A validate warning fails the run: the stand-in (like the real providers)
# warns with file and line about anything its schema marks deprecated.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/airdisplay/terraform
schemas=${TF_SCHEMAS_FILE:-$root/../shared/terraform-schemas/providers-schema.json.gz}
# Provider versions of the schema file (its README's table).
standin_versions=(
  registry.terraform.io/hashicorp/azurerm=5.2.0
  registry.terraform.io/hashicorp/helm=3.1.2
  registry.terraform.io/hashicorp/kubernetes=3.2.1
  registry.terraform.io/hashicorp/random=3.9.0
  registry.terraform.io/hashicorp/time=0.14.0
)

mode=${TF_PROVIDERS:-}
if [ -z "$mode" ]; then
  if [ -f "$schemas" ]; then mode=standin; else mode=registry; fi
fi

command -v terraform >/dev/null || { echo "test-terraform: terraform not found: install Terraform >= 1.9"; exit 1; }

start=$(date +%s)
mkdir -p "$cache"
# The stand-in and tfreport (which prints Terraform's JSON diagnostics).
(cd "$root/infra/terraform/standin" && GOWORK=off go build -o "$cache/bin/" ./cmd/terraform-provider-standin ./cmd/tfreport)
report="$cache/bin/tfreport"
unset TF_PLUGIN_CACHE_DIR TF_WORKSPACE
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1

case "$mode" in
standin)
  [ -f "$schemas" ] || { echo "test-terraform: TF_PROVIDERS=standin needs $schemas"; exit 1; }
  echo "test-terraform: providers from the schema-only stand-in ($schemas)"
  args=()
  for v in "${standin_versions[@]}"; do args+=(-version "$v"); done
  "$cache/bin/terraform-provider-standin" install -schemas "$schemas" -mirror "$cache/mirror" \
    -cli-config "$cache/standin.tfrc" "${args[@]}" >/dev/null
  export TF_CLI_CONFIG_FILE="$cache/standin.tfrc"
  ;;
registry)
  echo "test-terraform: providers from the Terraform registry"
  export TF_PLUGIN_CACHE_DIR="$cache/plugin-cache"
  mkdir -p "$TF_PLUGIN_CACHE_DIR"
  ;;
*)
  echo "test-terraform: TF_PROVIDERS must be standin or registry, not $mode"; exit 1
  ;;
esac

# A fresh copy of the configuration, without any .terraform or lock file.
work="$cache/work"
rm -rf "$work" "$cache/data" "$cache/outputs"
mkdir -p "$work/infra" "$cache/data" "$cache/outputs"
cp -r "$root/infra/modules" "$root/infra/envs" "$work/infra/"
find "$work" \( -name .terraform -o -name .terraform.lock.hcl -o -name '*.tfstate*' \) -prune -exec rm -rf {} +
# The chart the environments' tests read its queue and service accounts from.
if [ -d "$root/helm" ]; then cp -r "$root/helm" "$work/"; fi

dirs=()
for d in "$work"/infra/modules/*/ "$work"/infra/modules/*/examples/*/ "$work"/infra/envs/*/; do
  dirs+=("${d%/}")
done

failed=()
rel() { echo "${1#"$work"/}"; }
data_dir() { echo "$cache/data/$(rel "$1" | tr '/' '_')"; }

for d in "${dirs[@]}"; do
  r=$(rel "$d")
  export TF_DATA_DIR
  TF_DATA_DIR=$(data_dir "$d")
  if ! out=$(terraform -chdir="$d" init -backend=false -input=false -no-color 2>&1); then
    echo "FAIL init     $r"; echo "$out" | sed 's/^/    /'; failed+=("init $r"); continue
  fi
  json=$(terraform -chdir="$d" validate -json -no-color 2>&1) || true
  # Every diagnostic, warnings included, as FILE:LINE: SEVERITY: SUMMARY: DETAIL.
  if ! diags=$(echo "$json" | "$report" validate "$r" 2>&1); then
    echo "FAIL validate $r"; echo "${diags:-$json}" | sed 's/^/    /'; failed+=("validate $r"); continue
  fi
  echo "ok   validate $r"
done

for d in "$work"/infra/modules/* "$work"/infra/envs/*; do
  [ -d "$d/tests" ] || continue
  r=$(rel "$d")
  export TF_DATA_DIR
  TF_DATA_DIR=$(data_dir "$d")
  # -json -verbose: the runs' plans and states, from which the deployer's
  # contract test (infra/deploy) reads the environments' outputs.
  verbose=()
  log="$cache/data/$(rel "$d" | tr '/' '_').test.jsonl"
  if [[ "$r" == infra/envs/* ]]; then
    verbose=(-verbose)
    log="$cache/outputs/$(basename "$d").jsonl"
  fi
  if terraform -chdir="$d" test -json "${verbose[@]}" -no-color >"$log" 2>&1; then
    echo "ok   test     $r ($("$report" test "$r" <"$log" | head -1))"
  else
    echo "FAIL test     $r"
    "$report" test "$r" <"$log" | sed 's/^/    /' || true
    failed+=("test $r")
  fi
done

echo "test-terraform: ${#dirs[@]} directories validated, $(( $(date +%s) - start ))s, providers: $mode"
if [ ${#failed[@]} -gt 0 ]; then
  printf 'test-terraform: failed: %s\n' "${failed[@]}"
  exit 1
fi
