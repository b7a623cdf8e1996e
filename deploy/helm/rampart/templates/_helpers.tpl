{{/* The name every object starts with. */}}
{{- define "rampart.fullname" -}}
{{- if contains "rampart" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-rampart" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "rampart.labels" -}}
app.kubernetes.io/name: rampart
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Values.managedBy | default .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component (agent or collector). */}}
{{- define "rampart.selector" -}}
app.kubernetes.io/name: rampart
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "rampart.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The collector's address for agents and readers. */}}
{{- define "rampart.collectorUrl" -}}
{{- if .Values.agent.collectorUrl -}}
{{ .Values.agent.collectorUrl }}
{{- else -}}
{{ if .Values.collector.tlsSecret }}https{{ else }}http{{ end }}://{{ include "rampart.fullname" . }}-collector.{{ .Release.Namespace }}.svc:{{ .Values.collector.port }}
{{- end -}}
{{- end -}}
