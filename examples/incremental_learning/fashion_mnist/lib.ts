/**
 * The parts of the Sedna lib this example uses, from the TypeScript sources (run with `node --import tsx`,
 * which needs no build).
 */
export * from '@sedna/lib';
