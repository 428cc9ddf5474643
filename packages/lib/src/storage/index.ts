export * from './errors.js';
export * from './url.js';
export * from './s3.js';
export * from './http.js';
export * from './storage.js';
