export * from './runtime/index.js';
export * from './hub/index.js';
export * from './config.js';
export * from './gm.js';
export * from './channel/router.js';
export * from './nodes/node-lifecycle.js';
export * from './controllers/dataset/controller.js';
export * from './controllers/pod/controller.js';
