{{- define "webapp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release "webapp" gives objects named "webapp", the Service name the dashboards expect. */}}
{{- define "webapp.fullname" -}}
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

{{/* Labels shared by every object; callers add app.kubernetes.io/component. */}}
{{- define "webapp.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "webapp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/*
Selects the service's pods, and only them: the helm test pod carries another component, so the
Services never route to it.
*/}}
{{- define "webapp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "webapp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end -}}

{{- define "webapp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "webapp.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* repository@digest when a digest is set (it wins), else repository:tag. */}}
{{- define "webapp.image" -}}
{{- $image := .Values.image -}}
{{- $repository := required "image.repository is empty: set it to the Terraform output ecr_repository_url (or a local image name)" $image.repository -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $repository $image.digest -}}
{{- else if eq $image.tag "latest" -}}
{{- fail "image.tag is latest: pin a release version or set image.digest, so every pod runs the same build" -}}
{{- else if $image.tag -}}
{{- printf "%s:%s" $repository $image.tag -}}
{{- else -}}
{{- fail "image.tag is empty: set image.tag to a release version (never latest) or image.digest to sha256:<64 hex>" -}}
{{- end -}}
{{- end -}}

{{/* True when the Deployment can run more than one pod: the PodDisruptionBudget is useful then. */}}
{{- define "webapp.multiReplica" -}}
{{- if .Values.autoscaling.enabled -}}
{{- if gt (int .Values.autoscaling.maxReplicas) 1 }}true{{ end -}}
{{- else -}}
{{- if gt (int .Values.replicaCount) 1 }}true{{ end -}}
{{- end -}}
{{- end -}}

{{/*
Rules the schema cannot express. Included by the Deployment, so every render checks them.
The grace-period countdown starts before preStop runs, so it must cover preStop, the drain delay
and the shutdown timeout, or the kubelet kills the pod with requests in flight.
*/}}
{{- define "webapp.validate" -}}
{{- $preStop := int .Values.preStopSleepSeconds -}}
{{- $drain := int .Values.config.drainDelaySeconds -}}
{{- $shutdown := int .Values.config.shutdownTimeoutSeconds -}}
{{- $needed := add $preStop $drain $shutdown -}}
{{- if lt (int .Values.terminationGracePeriodSeconds) $needed -}}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be at least preStopSleepSeconds (%d) + config.drainDelaySeconds (%d) + config.shutdownTimeoutSeconds (%d) = %d" (int .Values.terminationGracePeriodSeconds) $preStop $drain $shutdown $needed) -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- fail (printf "autoscaling.minReplicas (%d) must not exceed autoscaling.maxReplicas (%d)" (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- end -}}
{{- $loadBalanced := or .Values.targetGroupBinding.enabled .Values.loadBalancerService.enabled -}}
{{- $opensPorts := or .Values.networkPolicy.enabled (and .Values.targetGroupBinding.enabled .Values.targetGroupBinding.manageSecurityGroupRules) -}}
{{- if and $loadBalanced $opensPorts (not .Values.loadBalancer.healthCheckCIDRs) -}}
{{- fail "loadBalancer.healthCheckCIDRs is empty: set it to the public subnet CIDRs (Terraform output public_subnet_cidrs) so the NLB health checks can reach /readyz on the admin port" -}}
{{- end -}}
{{- $lb := .Values.loadBalancer -}}
{{- if and $loadBalanced (not $lb.preserveClientIP) (ne (toJson $lb.clientCIDRs) (toJson (list "0.0.0.0/0"))) -}}
{{- fail (printf "loadBalancer.clientCIDRs (%s) cannot filter clients while loadBalancer.preserveClientIP is false: the pods see only the load balancer's own addresses. Filter at the load balancer (loadBalancerService.sourceRanges, or the NLB's security group), or turn on preserve_client_ip in the target group and set loadBalancer.preserveClientIP=true" (join ", " $lb.clientCIDRs)) -}}
{{- end -}}
{{- /* The names the Deployment sets: the ports, the downward API and one per config value. */ -}}
{{- $chartEnv := list "APP_PORT" "ADMIN_PORT" "POD_NAME" "POD_NAMESPACE" "MEMORY_LIMIT_BYTES" -}}
{{- range $key, $_ := .Values.config -}}
{{- $chartEnv = append $chartEnv ($key | snakecase | upper) -}}
{{- end -}}
{{- $seen := list -}}
{{- range .Values.extraEnv -}}
{{- if has .name $chartEnv -}}
{{- fail (printf "extraEnv sets %s, which the chart sets from its own values (ports, config): change that value instead" .name) -}}
{{- end -}}
{{- if has .name $seen -}}
{{- fail (printf "extraEnv sets %s twice: the container would get only one of them" .name) -}}
{{- end -}}
{{- $seen = append $seen .name -}}
{{- end -}}
{{- if eq (int .Values.ports.http) (int .Values.ports.admin) -}}
{{- fail (printf "ports.http and ports.admin must differ (both are %d)" (int .Values.ports.http)) -}}
{{- end -}}
{{- end -}}

{{/*
The sources allowed to the http port. Without client IP preservation every packet from the NLB
carries one of its own addresses in its subnets, so nothing else needs the port.
*/}}
{{- define "webapp.appSourceCIDRs" -}}
{{- $loadBalanced := or .Values.targetGroupBinding.enabled .Values.loadBalancerService.enabled -}}
{{- if and $loadBalanced (not .Values.loadBalancer.preserveClientIP) -}}
{{- toJson .Values.loadBalancer.healthCheckCIDRs -}}
{{- else -}}
{{- toJson .Values.loadBalancer.clientCIDRs -}}
{{- end -}}
{{- end -}}

{{/*
The name of kube-prometheus-stack's Prometheus (and of its pods' operator.prometheus.io/name
label): the stack's fullname for release monitoring.release, truncated to 26 characters as the
stack does, plus "-prometheus". Assumes the stack's values set neither fullnameOverride nor
cleanPrometheusOperatorObjectNames (platform/tests check that).
*/}}
{{- define "webapp.prometheusName" -}}
{{- $release := .Values.monitoring.release -}}
{{- $stack := ternary $release (printf "%s-kube-prometheus-stack" $release) (contains "kube-prometheus-stack" $release) -}}
{{- printf "%s-prometheus" ($stack | trunc 26 | trimSuffix "-") -}}
{{- end -}}
