/** What the GM, the LC, the lib and the CLI must agree on, kept once: see README.md. */
export * from './labels.js';
export * from './worker-env.js';
export * from './worker-report.js';
export * from './worker-report-original.js';
export * from './stage-protocol.js';
export * from './stage-machine.js';
