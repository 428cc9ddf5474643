export { componentRegistry, measuring, SEDNA_VERSION, type Component } from './registry.js';
export { handleMetricsRequest, hasBearerToken, isMetricsRequest, METRICS_PATH, parseListenAddress, renderMetrics, startMetricsListener, type MetricsListener } from './http.js';
export { BoundedLabel, oneOf, statusClass } from './bounded.js';
export * from './catalogue/controlplane.js';
export { Registry } from 'prom-client';
export { currentCondition, POD_PHASES, systemMetrics, type ObservedObject, type SystemSources } from './catalogue/system.js';
export { DEPLOY_STATUSES, stageJobFigures, stageJobMetrics, type StageJobFigures } from './catalogue/stagejobs.js';
export * from './catalogue/paradigms.js';
export * from './catalogue/flow.js';
