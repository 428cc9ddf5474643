/**
 * The parts of the Sedna lib this example uses, from the TypeScript sources (run with `node --import tsx`,
 * which needs no build). The lib's package index does not export the incremental learning core yet, hence the
 * second import.
 */
export * from '../../../packages/lib/src/index.js';
export * from '../../../packages/lib/src/core/incremental_learning/index.js';
