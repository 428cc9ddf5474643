export * from './gmclient/index.js';
export * from './runner/index.js';
export * from './server/index.js';
export * from './managers/dataset/index.js';
export * from './nodeapi/node-api.js';
export * from './lc.js';
export * from './managers/incrementallearning/index.js';
export * from './trigger/index.js';
