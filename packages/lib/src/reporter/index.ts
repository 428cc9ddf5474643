export * from './message.js';
export * from './lc-client.js';
export * from './lc-reporter.js';
export * from './event-reporter.js';
