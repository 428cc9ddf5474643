/**
 * A training worker of this lib: FederatedLearning from the environment the GM gives (AGG_IP, AGG_PORT,
 * WORKER_NAME, ...) and nothing else: whether the aggregator is this lib's or the original Python lib's, it asks
 * (AGG_WIRE unset). The model: a dense classifier of 3 features into 2 classes, on synthetic samples.
 */
import { FederatedLearning, MlpEstimator, syntheticClasses } from './sedna-lib.js';

async function main(): Promise<void> {
  const { x, y } = syntheticClasses(80, [3], 2, 5);
  const estimator = new MlpEstimator({ spec: { inputShape: [3], layers: [{ type: 'dense', units: 2, activation: 'softmax' }] }, seed: 2 });
  const result = await new FederatedLearning({ estimator }).train({ x, y });
  console.log(`trainer: ${result.rounds} round(s), trained ${result.roundsTrained}`);
}

main().catch((error: unknown) => {
  console.error(`trainer failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
