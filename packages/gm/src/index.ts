export * from './runtime/index.js';
export * from './hub/index.js';
