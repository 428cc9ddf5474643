export { WorkQueue, TerminalError, type WorkQueueOptions, type ReconcileResult } from '@sedna/api/runtime';
export * from './informer.js';
export * from './controller.js';
export * from './cache.js';
export * from './kinds.js';
export * from './manager.js';
export * from './client.js';
export * from './events.js';
export * from './recording-client.js';
