/**
 * The cloud worker of the Fashion-MNIST joint inference example (the original helmet example's big-model program):
 * the big ONNX model (MODEL_URL) behind the lib's BigModelService on BIG_MODEL_BIND_IP:BIG_MODEL_BIND_PORT, at
 * POST /{JOB_NAME}/predict. Example settings: max_batch_size (default 32) and batch_window_ms (default 2).
 */
import { BigModelService, Context, OnnxEstimator } from './sedna-lib.js';

const log = (line: string): void => console.log(`${new Date().toISOString()} [cloud] ${line}`);

async function main(): Promise<void> {
  const context = new Context();
  const service = new BigModelService({
    estimator: new OnnxEstimator(),
    maxBatchSize: context.getParameters('max_batch_size', 32),
    batchWindowMs: context.getParameters('batch_window_ms', 2),
    log,
  });
  const address = await service.start();
  log(`serving ${address.url}/predict`);

  // A line whenever the counts moved, so the batching is visible in the worker's log.
  let lastRequests = -1;
  const report = (): void => {
    const { jsonRequests, binaryRequests, rejected, failed, batching } = service.stats;
    if (batching.requests === lastRequests) return;
    lastRequests = batching.requests;
    const perBatch = batching.batches === 0 ? 0 : batching.samples / batching.batches;
    log(
      `${jsonRequests + binaryRequests} predictions (${binaryRequests} binary, ${jsonRequests} JSON), ${rejected} rejected, ${failed} failed; ` +
        `${batching.samples} samples in ${batching.batches} batches (${perBatch.toFixed(2)} per batch, largest ${batching.largestBatch})`,
    );
  };
  const timer = setInterval(report, 5000);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    report();
    log(`${signal}: stopping`);
    void service.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`${new Date().toISOString()} [cloud] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
