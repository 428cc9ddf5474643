/**
 * A training worker: reads its node's images from the Dataset's index file (TRAIN_DATASET_URL) and trains with the
 * lib's FederatedLearning client against the aggregator at AGG_IP:AGG_PORT, `epochs` local epochs per round with
 * batch size `batch_size`, until the aggregator's last round. Reports go to LC_SERVER when it is set.
 *
 *   node --import tsx examples/federated_learning/fashion_mnist/trainer.ts
 */
import { createModel, modelSeed, readIndex } from './model.js';
import { Context, FederatedLearning } from './sedna-lib.js';

async function main(): Promise<void> {
  const env = process.env;
  const context = new Context(env);
  const indexFile = context.getParameters('TRAIN_DATASET_URL');
  if (indexFile === undefined) throw new Error('TRAIN_DATASET_URL must name the index file of this node\'s dataset');
  const data = await readIndex(indexFile);
  const worker = new FederatedLearning({ estimator: createModel(modelSeed(env)), trainOptions: { seed: context.getParameters('seed', 1) } });
  console.log(`trainer ${worker.workerName}: ${data.y.length} images from ${context.getParameters('DATASET_NAME') ?? indexFile}; aggregator ${worker.aggregatorUrl}`);
  const result = await worker.train(data);
  const last = result.history.at(-1);
  console.log(
    `trainer ${worker.workerName}: done after ${result.rounds} round(s) (${result.roundsTrained} trained here)` +
      (last?.accuracy === undefined ? '' : `; global test accuracy ${(last.accuracy * 100).toFixed(2)} %`),
  );
}

main().catch((error: unknown) => {
  console.error(`trainer failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
