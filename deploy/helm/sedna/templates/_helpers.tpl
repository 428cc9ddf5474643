{{/* An image reference: the value as "name:tag" (the original's form) or {repository, tag}, after imageRegistry. */}}
{{- define "sedna.image" -}}
{{- $img := .image -}}
{{- if kindIs "map" $img -}}{{- $img = printf "%s:%s" $img.repository $img.tag -}}{{- end -}}
{{- if .root.Values.imageRegistry -}}{{ printf "%s/%s" (trimSuffix "/" .root.Values.imageRegistry) $img }}{{- else -}}{{ $img }}{{- end -}}
{{- end -}}

{{- define "sedna.labels" -}}
app.kubernetes.io/name: sedna
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "sedna.pullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
