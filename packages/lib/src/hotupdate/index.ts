export * from './config.js';
export * from './swappable-model.js';
export * from './model-hot-updater.js';
