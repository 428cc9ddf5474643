/** What a test case's thread and the runner say to each other (case-thread.ts, pool.ts). */
import type { CaseResult } from './spec.js';

/** From the case: it needs an index's samples, or it is done. */
export type FromCase = { type: 'index'; id: number; file: string; what: string } | { type: 'result'; result: CaseResult };

/** To the case: the index's decoded cache file in shared memory, or nothing (the case then reads it itself). */
export type ToCase = { type: 'index'; id: number; shared: SharedArrayBuffer | undefined };
