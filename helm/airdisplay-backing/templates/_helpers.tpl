{{/* Chart name. */}}
{{- define "backing.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Value of the helm.sh/chart label. */}}
{{- define "backing.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object; "component" is redis, rabbitmq or storage. */}}
{{- define "backing.labels" -}}
helm.sh/chart: {{ include "backing.chart" .root }}
{{ include "backing.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: airdisplay
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of a component. */}}
{{- define "backing.selectorLabels" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Image reference of a component's values. */}}
{{- define "backing.image" -}}
{{- printf "%s:%s" .image.repository (toString .image.tag) -}}
{{- end -}}

{{/*
RabbitMQ password: the value, else the one in the credentials Secret of an
earlier install (stable across upgrades), else a new random one.
*/}}
{{- define "backing.rabbitmqPassword" -}}
{{- if .Values.rabbitmq.password -}}
{{- .Values.rabbitmq.password -}}
{{- else -}}
{{- $s := lookup "v1" "Secret" .Release.Namespace .Values.rabbitmq.credentialsSecret -}}
{{- if and $s $s.data (hasKey $s.data "password") -}}
{{- index $s.data "password" | b64dec -}}
{{- else -}}
{{- randAlphaNum 32 -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
RabbitMQ definitions (JSON) of the job queue: what Dapr's pubsub.rabbitmq
declares for topic <q> with subscription queueName <q> (durable, not
deletedWhenUnused, fanout, no dead-letter or length limit): exchange <q>,
classic queue <q>, and the queue bound to the exchange with routing key "".
Exchanges, queues and bindings only, on vhost "/": no users (the default
user comes from RABBITMQ_DEFAULT_USER) and no vhosts (the default one
exists once the broker has started).
*/}}
{{- define "backing.rabbitmqDefinitions" -}}
{{- $q := .Values.rabbitmq.jobsQueue -}}
{{- $exchange := dict "name" $q "vhost" "/" "type" "fanout" "durable" true "auto_delete" false "internal" false "arguments" (dict) -}}
{{- $queue := dict "name" $q "vhost" "/" "durable" true "auto_delete" false "arguments" (dict "x-queue-type" "classic") -}}
{{- $binding := dict "source" $q "vhost" "/" "destination" $q "destination_type" "queue" "routing_key" "" "arguments" (dict) -}}
{{- dict "exchanges" (list $exchange) "queues" (list $queue) "bindings" (list $binding) | toPrettyJson -}}
{{- end -}}
