/**
 * The aggregation worker: the lib's AggregationServer, configured from the environment the GM injects
 * (AGG_BIND_PORT, PARTICIPANTS_COUNT, MODEL_URL, ...) and the job's env (exit_round, aggregation_algorithm,
 * aggregation_parameters, min_clients, round_timeout_seconds). It starts every worker from the same model, evaluates
 * each round's global model on the test images at TEST_DATASET_URL (when set), saves the final model to MODEL_URL
 * (ONNX for a .onnx URL) and, with `summary_file`, writes the per-round records there as JSON.
 *
 *   node --import tsx examples/federated_learning/fashion_mnist/aggregator.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createModel, modelSeed, readIndex } from './model.js';
import { Context, aggregationServerFromEnv } from './sedna-lib.js';

async function main(): Promise<void> {
  const env = process.env;
  const context = new Context(env);
  const estimator = createModel(modelSeed(env));
  const testIndex = context.getParameters('TEST_DATASET_URL');
  const test = testIndex === undefined ? undefined : await readIndex(testIndex);
  const evaluator = createModel(0);
  const { server, settings } = await aggregationServerFromEnv({
    estimator,
    ...(test === undefined
      ? {}
      : {
          evaluate: async (weights) => {
            evaluator.setWeights(weights);
            return evaluator.evaluate(test.x, test.y);
          },
        }),
  });
  const result = await server.run();
  console.log(`aggregator: ${result.rounds} round(s) of ${settings.aggregation.method}; model at ${result.model?.url ?? '(MODEL_URL not set)'}`);
  const summaryFile = context.getParameters('summary_file');
  if (summaryFile !== undefined) {
    await mkdir(dirname(summaryFile), { recursive: true });
    await writeFile(summaryFile, JSON.stringify({ algorithm: settings.aggregation, rounds: result.rounds, model: result.model, history: result.history }, null, 1) + '\n');
  }
}

main().catch((error: unknown) => {
  console.error(`aggregator failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
