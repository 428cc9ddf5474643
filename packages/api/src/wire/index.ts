export * from './constants.js';
export * from './logger.js';
export * from './message.js';
export * from './frames.js';
export * from './credentials.js';
