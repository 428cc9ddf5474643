/**
 * One training worker of the benchmark in its own process (as on a real edge node): loads its share of the
 * training set and runs the lib's FederatedLearning client against the aggregator in the main process. Its last
 * stdout line is a JSON object with its per-round local training and waiting times and its bytes.
 *
 * Arguments: <aggregator url> <worker name> <split: iid|dirichlet> <clients> <index> <local epochs> [compression: a codec
 * name, or its method dict as JSON]
 */
import { FederatedLearning, silentLog } from '@sedna/lib/federated-learning';
import { BATCH_SIZE, createModel, loadTrain, shardOf, type SplitKind } from './shared.js';

const [url, name, split, clients, index, epochs, compression] = process.argv.slice(2);
if (url === undefined || name === undefined || (split !== 'iid' && split !== 'dirichlet') || clients === undefined || index === undefined || epochs === undefined) {
  console.error('usage: client-process.ts <url> <name> <iid|dirichlet> <clients> <index> <epochs> [compression]');
  process.exit(2);
}
// The run's seed (model, share and shuffling), the model's hidden units and a cap on the share's images come from
// the environment (BENCH_FL_SEED, BENCH_FL_HIDDEN, BENCH_FL_IMAGES): the seeds and the 10 M-parameter runs.
const seed = Number(process.env['BENCH_FL_SEED'] ?? 0);
const hidden = Number(process.env['BENCH_FL_HIDDEN'] ?? 128);
const cap = Number(process.env['BENCH_FL_IMAGES'] ?? 0);
const full = shardOf(await loadTrain(), split as SplitKind, Number(clients), Number(index), seed);
const shard = cap > 0 && cap < full.y.length ? { x: { data: full.x.data.subarray(0, cap * 784), shape: [cap, 784] }, y: full.y.subarray(0, cap) } : full;
const result = await new FederatedLearning({
  estimator: createModel(100 + Number(index) + 1000 * seed, hidden),
  env: {},
  aggregatorUrl: url,
  workerName: name,
  epochs: Number(epochs),
  batchSize: BATCH_SIZE,
  // A codec name (Int8Linear) or a method dict as JSON ({"method":"TopK","param":{"ratio":"0.05"}}).
  ...(compression ? { compression: compression.startsWith('{') ? (JSON.parse(compression) as { method: string; param: Record<string, string> }) : compression } : {}),
  trainOptions: { seed: Number(index) + 1000 * seed },
  reporter: false,
  log: silentLog,
}).train(shard);
console.log(JSON.stringify({ name, samples: shard.y.length, timings: result.timings, bytesSent: result.bytesSent, bytesReceived: result.bytesReceived }));
process.exit(0);
