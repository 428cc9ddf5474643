// Run as its own process by src/algorithms/aggregation/weighted-sum/worker-pool.test.ts: a job on worker
// threads, then dispose() at once, while the engine still prepares the next output buffer in the background.
// The program must print "disposed" and exit 0; it used to end with dispose() unsettled (exit code 13, silent).
import { WeightedSumEngine } from '@sedna/lib/algorithms';

const engine = new WeightedSumEngine({ threads: 2, chunkFloats: 64, minFloatsForThreads: 0 });
await engine.weightedSum([[new Float32Array(4096).fill(1)], [new Float32Array(4096).fill(2)]], [0.5, 0.5]);
await engine.dispose();
console.log('disposed');
