{{/* vim: set filetype=mustache: */}}

{{/*
Expand the name of the chart.
*/}}
{{- define "airdisplay.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Create a default fully qualified name prefix. Truncated at 63 characters
because some Kubernetes name fields are limited to that (DNS-1123 labels).
If the release name contains the chart name it is used as the full name.
*/}}
{{- define "airdisplay.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "airdisplay.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Generate basic labels (no component). Context: the root context.
*/}}
{{- define "airdisplay.labels" -}}
helm.sh/chart: {{ include "airdisplay.chart" . }}
app.kubernetes.io/name: {{ include "airdisplay.name" . }}
app.kubernetes.io/instance: {{ .Release.Name | trunc 63 | trimSuffix "-" }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/part-of: airdisplay
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.additionalLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Labels of one component (a service, "dapr", "keda", ...).
Context: dict "root" $ "component" <name>.
*/}}
{{- define "airdisplay.componentLabels" -}}
{{ include "airdisplay.labels" .root }}
app.kubernetes.io/component: {{ .component | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/*
Selector labels of one component. Context: dict "root" $ "component" <name>.
*/}}
{{- define "airdisplay.selectorLabels" -}}
app.kubernetes.io/name: {{ include "airdisplay.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/component: {{ .component | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/*
Name of a service's resources (Deployment, Service, PDB, ...).
Context: dict "root" $ "key" <service key>.
*/}}
{{- define "airdisplay.serviceFullname" -}}
{{- include "airdisplay.suffixedName" (dict "root" .root "suffix" .key) -}}
{{- end -}}

{{/*
<fullname>-<suffix>, at most 63 characters: the full name is shortened, not
the suffix, so that names with different suffixes never collide.
Context: dict "root" $ "suffix" <suffix>.
*/}}
{{- define "airdisplay.suffixedName" -}}
{{- $max := sub 62 (len .suffix) | int -}}
{{- printf "%s-%s" (include "airdisplay.fullname" .root | trunc $max | trimSuffix "-") .suffix -}}
{{- end -}}

{{/*
ServiceAccount name of a service. Context: dict "root" $ "key" <key> "svc" <service values>.
*/}}
{{- define "airdisplay.serviceAccountName" -}}
{{- if .svc.serviceAccount.create -}}
{{- default (include "airdisplay.serviceFullname" .) .svc.serviceAccount.name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- default "default" .svc.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
Image reference of a service: <registry>/<repositoryPrefix>/<repository>:<tag>.
The tag defaults to image.tag, then to the chart's appVersion.
Context: dict "root" $ "key" <key> "svc" <service values>.
*/}}
{{- define "airdisplay.image" -}}
{{- $img := .root.Values.image -}}
{{- $tag := .svc.image.tag | default $img.tag | default .root.Chart.AppVersion -}}
{{- $repo := .svc.image.repository | default .key -}}
{{- $parts := list -}}
{{- with $img.registry }}{{ $parts = append $parts (trimSuffix "/" .) }}{{ end -}}
{{- with $img.repositoryPrefix }}{{ $parts = append $parts (trimAll "/" .) }}{{ end -}}
{{- $parts = append $parts $repo -}}
{{- printf "%s:%s" (join "/" $parts) (toString $tag) -}}
{{- end -}}

{{/*
Names of the API token Secrets (each holds key "token", as Dapr's
dapr.io/api-token-secret and dapr.io/app-token-secret annotations require).
*/}}
{{- define "airdisplay.daprApiTokenSecret" -}}
{{- if .Values.apiTokens.create -}}
{{- include "airdisplay.suffixedName" (dict "root" . "suffix" "dapr-api-token") -}}
{{- else -}}
{{- required "apiTokens.existingSecret.daprApiToken is required when apiTokens.create is false" .Values.apiTokens.existingSecret.daprApiToken -}}
{{- end -}}
{{- end -}}

{{- define "airdisplay.appApiTokenSecret" -}}
{{- if .Values.apiTokens.create -}}
{{- include "airdisplay.suffixedName" (dict "root" . "suffix" "app-api-token") -}}
{{- else -}}
{{- required "apiTokens.existingSecret.appApiToken is required when apiTokens.create is false" .Values.apiTokens.existingSecret.appApiToken -}}
{{- end -}}
{{- end -}}

{{/*
Name of the API key Secret: one entry per client, client name → key.
*/}}
{{- define "airdisplay.apiKeysSecret" -}}
{{- if .Values.auth.create -}}
{{- include "airdisplay.suffixedName" (dict "root" . "suffix" "api-keys") -}}
{{- else -}}
{{- required "auth.existingSecret is required when auth.create is false" .Values.auth.existingSecret -}}
{{- end -}}
{{- end -}}

{{/*
Dapr secret store the services read their API keys from (API_KEYS_SECRET_STORE).
*/}}
{{- define "airdisplay.apiKeysStore" -}}
{{- default "kubernetes" .Values.dapr.secretStore -}}
{{- end -}}

{{/*
"true" when a service's sidecar reads the API keys through Dapr's built-in
kubernetes secret store and the chart grants it access: its pods then mount
their ServiceAccount token (daprd calls the API server with it).
Context: dict "root" $ "key" <key>.
*/}}
{{- define "airdisplay.apiKeysKubeAccess" -}}
{{- $v := .root.Values -}}
{{- and (has .key $v.auth.services) $v.auth.kubernetesAccess (eq (include "airdisplay.apiKeysStore" .root) "kubernetes") | toString -}}
{{- end -}}

{{/*
Environment variable an app reads a component's name from. The users of
`jobs` (the job queue's pub/sub) also get its topic, JOBS_TOPIC
(jobsQueue.name), in deployment.yaml.
Context: the component key (jobs, jobstore, statestore, pubsub).
*/}}
{{- define "airdisplay.componentEnvName" -}}
{{- $names := dict "jobs" "JOBS_PUBSUB" "jobstore" "JOB_STORE" "statestore" "STATE_STORE" "pubsub" "PUBSUB" -}}
{{- required (printf "unknown Dapr component key %q (want jobs, jobstore, statestore or pubsub)" .) (get $names .) -}}
{{- end -}}

{{/*
App ids of the enabled services that use a component, as a JSON list, in
services-map order. Component scopes are built from it, so a scope can only
name an app the chart deploys. Context: dict "root" $ "component" <key>.
*/}}
{{- define "airdisplay.componentUsers" -}}
{{- $users := list -}}
{{- range $key, $svc := .root.Values.services -}}
{{- if and $svc.enabled (has $.component $svc.components) -}}
{{- $users = append $users $svc.appId -}}
{{- end -}}
{{- end -}}
{{- toJson $users -}}
{{- end -}}

{{/*
Workload identity client ID of a service (azure flavor).
Context: dict "root" $ "key" <key>.
*/}}
{{- define "airdisplay.clientId" -}}
{{- $ids := .root.Values.azure.workloadIdentity.clientIds -}}
{{- get $ids .key -}}
{{- end -}}

{{/*
The Service Bus namespace name (first label of the FQDN).
*/}}
{{- define "airdisplay.serviceBusNamespace" -}}
{{- $fqdn := .Values.azure.serviceBus.namespaceFQDN -}}
{{- first (splitList "." $fqdn) -}}
{{- end -}}

{{/*
The Service Bus endpoint suffix (the FQDN without the namespace label).
*/}}
{{- define "airdisplay.serviceBusSuffix" -}}
{{- $fqdn := .Values.azure.serviceBus.namespaceFQDN -}}
{{- join "." (rest (splitList "." $fqdn)) -}}
{{- end -}}

{{/*
Whether KEDA scales a given service. Context: dict "root" $ "key" <key>.
Prints "true" or nothing.
*/}}
{{- define "airdisplay.kedaScaled" -}}
{{- $k := .root.Values.keda -}}
{{- if and $k.enabled (eq $k.service .key) -}}true{{- end -}}
{{- end -}}

{{/*
Azure workload identity metadata of a component: azureClientId from the
sidecar's AZURE_CLIENT_ID (set per Deployment with dapr.io/env).
Context: the root context.
*/}}
{{- define "airdisplay.azureAuthMetadata" -}}
- name: azureClientId
  envRef: AZURE_CLIENT_ID
{{- with .Values.azure.tenantId }}
- name: azureTenantId
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/*
Redis connection metadata of the Redis components: statestore and jobstore
(both flavors) and pubsub (kind). Azure Managed Redis runs the OSS cluster
policy, so the client is a Redis Cluster client (redisType: cluster) over
TLS with Entra ID tokens; every key of one transaction shares a hash slot
(the services use hash tags).
Context: the root context.
*/}}
{{- define "airdisplay.redisMetadata" -}}
{{- if eq .Values.flavor "azure" -}}
- name: redisHost
  value: {{ printf "%s:%d" .Values.azure.redis.host (int .Values.azure.redis.port) | quote }}
- name: redisType
  value: "cluster"
- name: enableTLS
  value: "true"
- name: useEntraID
  value: "true"
{{ include "airdisplay.azureAuthMetadata" . }}
{{- else -}}
- name: redisHost
  value: {{ printf "%s:%d" .Values.kind.redis.host (int .Values.kind.redis.port) | quote }}
- name: redisType
  value: {{ .Values.kind.redis.redisType | quote }}
- name: enableTLS
  value: {{ .Values.kind.redis.enableTLS | quote }}
{{- with .Values.kind.redis.passwordSecret }}
{{- if .name }}
- name: redisPassword
  secretKeyRef:
    name: {{ .name }}
    key: {{ required "kind.redis.passwordSecret.key is required with kind.redis.passwordSecret.name" .key }}
{{- end }}
{{- end }}
{{- end -}}
{{- end -}}

{{/*
Consistency checks that JSON schema cannot express. Rendered (as nothing)
from validate.yaml so that every install, template and lint runs them.
*/}}
{{- define "airdisplay.validate" -}}
{{- $v := .Values -}}
{{- $appIds := list -}}
{{- range $key, $svc := $v.services -}}
{{- if $svc.enabled -}}
{{- if has $svc.appId $appIds -}}
{{- fail (printf "services.%s.appId %q is used by another service" $key $svc.appId) -}}
{{- end -}}
{{- $appIds = append $appIds $svc.appId -}}
{{- if and $svc.autoscaling.enabled (eq (include "airdisplay.kedaScaled" (dict "root" $ "key" $key)) "true") -}}
{{- fail (printf "services.%s.autoscaling.enabled conflicts with keda.service: KEDA already creates the HPA" $key) -}}
{{- end -}}
{{- if and $svc.autoscaling.enabled (not (or $svc.autoscaling.targetCPUUtilizationPercentage $svc.autoscaling.targetMemoryUtilizationPercentage)) -}}
{{- fail (printf "services.%s.autoscaling needs targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage" $key) -}}
{{- end -}}
{{- if and $svc.autoscaling.enabled (gt (int $svc.autoscaling.minReplicas) (int $svc.autoscaling.maxReplicas)) -}}
{{- fail (printf "services.%s.autoscaling.minReplicas is above maxReplicas" $key) -}}
{{- end -}}
{{- if and $svc.podDisruptionBudget.enabled (kindIs "invalid" $svc.podDisruptionBudget.minAvailable) (kindIs "invalid" $svc.podDisruptionBudget.maxUnavailable) -}}
{{- fail (printf "services.%s.podDisruptionBudget needs minAvailable or maxUnavailable" $key) -}}
{{- end -}}
{{- if ge (int $svc.dapr.gracefulShutdownSeconds) (int $svc.terminationGracePeriodSeconds) -}}
{{- fail (printf "services.%s.dapr.gracefulShutdownSeconds must be below terminationGracePeriodSeconds" $key) -}}
{{- end -}}
{{- range $svc.components -}}
{{- if not (hasKey $v.dapr.components .) -}}
{{- fail (printf "services.%s.components: unknown component %q" $key .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $v.keda.enabled -}}
{{- $target := get $v.services $v.keda.service -}}
{{- if not $target -}}
{{- fail (printf "keda.service %q is not a key of services" $v.keda.service) -}}
{{- end -}}
{{- if not $target.enabled -}}
{{- fail (printf "keda.service %q is disabled" $v.keda.service) -}}
{{- end -}}
{{- if not (has "jobs" $target.components) -}}
{{- fail (printf "keda.service %q does not use the jobs pub/sub (the job queue)" $v.keda.service) -}}
{{- end -}}
{{- if gt (int $v.keda.minReplicaCount) (int $v.keda.maxReplicaCount) -}}
{{- fail "keda.minReplicaCount is above keda.maxReplicaCount" -}}
{{- end -}}
{{- end -}}
{{- if eq $v.flavor "azure" -}}
{{- /* Every environment-specific azure value, reported at once. */ -}}
{{- $missing := list -}}
{{- if not $v.image.registry -}}
{{- $missing = append $missing "image.registry (Terraform output registry_login_server)" -}}
{{- end -}}
{{- if not $v.azure.serviceBus.namespaceFQDN -}}
{{- $missing = append $missing "azure.serviceBus.namespaceFQDN (Terraform output servicebus_namespace_fqdn)" -}}
{{- end -}}
{{- if not $v.azure.redis.host -}}
{{- $missing = append $missing "azure.redis.host (Terraform output redis_host)" -}}
{{- end -}}
{{- range $key, $svc := $v.services -}}
{{- if and $svc.enabled (not (include "airdisplay.clientId" (dict "root" $ "key" $key))) -}}
{{- $missing = append $missing (printf "azure.workloadIdentity.clientIds.%s (Terraform output %s_client_id)" $key (replace "-" "_" $key)) -}}
{{- end -}}
{{- end -}}
{{- if and $v.keda.enabled (not $v.azure.workloadIdentity.kedaClientId) -}}
{{- $missing = append $missing "azure.workloadIdentity.kedaClientId (Terraform output keda_client_id)" -}}
{{- end -}}
{{- if $missing -}}
{{- fail (printf "the azure flavor needs these values: %s" (join ", " $missing)) -}}
{{- end -}}
{{- end -}}
{{- if and (eq $v.flavor "kind") $v.kind.rabbitmq.secret.create (not $v.kind.rabbitmq.secret.url) -}}
{{- fail "kind.rabbitmq.secret.url is required when kind.rabbitmq.secret.create is true" -}}
{{- end -}}
{{- end -}}

{{/*
auth.secretStore of a Component: where its secretKeyRefs resolve. Empty
keeps Dapr's default (the built-in "kubernetes" store on Kubernetes); a
self-hosted daprd loading these components names a store of its own.
*/}}
{{- define "airdisplay.componentAuth" -}}
{{- with .Values.dapr.secretStore }}
auth:
  secretStore: {{ . }}
{{- end }}
{{- end }}

{{/*
GOMEMLIMIT for a container whose memory limit is the given quantity (Mi or
Gi): 90 % of it, in MiB, as Dapr's production guide sets daprd's and the Go
GC guide suggests. Near the limit the Go garbage collector works harder
instead of the container being OOM-killed, and between collections a
process keeps far less garbage than with GOGC alone.
*/}}
{{- define "airdisplay.goMemLimit" -}}
{{- $q := toString . -}}
{{- if not (regexMatch "^[0-9]+(Mi|Gi)$" $q) -}}
{{- fail (printf "memory limit %q: give it in Mi or Gi, the chart sets GOMEMLIMIT to 90%% of it" $q) -}}
{{- end -}}
{{- $mib := regexFind "^[0-9]+" $q | int -}}
{{- if hasSuffix "Gi" $q }}{{ $mib = mul $mib 1024 }}{{ end -}}
{{- printf "%dMiB" (div (mul $mib 9) 10) -}}
{{- end }}
