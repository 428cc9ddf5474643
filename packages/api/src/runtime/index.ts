/**
 * Small runtime helpers the GM, the LC, the API server and the lib share, so that each is written once: see README.md.
 */
export { rfc3339, rfc3339Micro } from './time.js';
export { positiveInteger } from './options.js';
export { waitUntil, type WaitOptions } from './wait.js';
export { WorkQueue, TerminalError, type WorkQueueOptions, type ReconcileResult, type KeyProcessor, type KeyErrorHandler } from './workqueue.js';
export { Logger, inReconcile, currentReconcile, discardLog, stderrSink, type LogLevel, type LogSink, type LogFields, type ReconcileScope } from './log.js';
export { applyMergePatch, isObject } from './merge-patch.js';
export { errorMessage } from './errors.js';
