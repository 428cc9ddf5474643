export { METRICS_ADDRESS_ENV, METRICS_SOCKET_ENV, ownerFromEnv, workerRegistry } from './worker-metrics.js';
export * from './recorders.js';
export * from './multi-edge-recorder.js';
