export * from './gmclient/index.js';
