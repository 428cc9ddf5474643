export * from './workqueue.js';
export * from './informer.js';
export * from './controller.js';
export * from './manager.js';
export * from './client.js';
export * from './events.js';
