/** What the GM, the LC, the lib and the CLI must agree on, kept once: see README.md. */
export * from './labels.js';
