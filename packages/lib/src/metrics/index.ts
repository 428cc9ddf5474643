export { awaitFinalScrape, METRICS_ADDRESS_ENV, METRICS_SOCKET_ENV, ownerFromEnv, workerRegistry } from './worker-metrics.js';
export { ScrapeTracker, type FinalScrape } from './final-scrape.js';
export * from './recorders.js';
export * from './multi-edge-recorder.js';
