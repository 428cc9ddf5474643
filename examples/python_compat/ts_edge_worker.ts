/**
 * An edge worker of this lib: JointInference from the environment the GM gives (BIG_MODEL_IP, BIG_MODEL_PORT,
 * JOB_NAME, HEM_NAME, LC_SERVER, ...) and nothing else: whether the cloud is a service of this lib or of the original
 * Python lib, it finds out itself (BIG_MODEL_WIRE unset). SAMPLES samples of 4 values; each outcome is a JSON line
 * in RESULT_FILE.
 */
import { appendFileSync } from 'node:fs';
import { JointInference, MlpEstimator } from './sedna-lib.js';

/** Until the cloud's `GET /<job>` answers (both libs serve it): the test wants every hard sample answered by the cloud. */
async function waitForCloud(): Promise<void> {
  const url = `http://${process.env['BIG_MODEL_IP'] ?? '127.0.0.1'}:${process.env['BIG_MODEL_PORT'] ?? '5000'}/${process.env['JOB_NAME'] ?? 'sedna'}`;
  for (let attempt = 0; attempt < 240; attempt++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the cloud at ${url} did not come up within 60 s`);
}

async function main(): Promise<void> {
  await waitForCloud();
  const estimator = new MlpEstimator({ spec: { inputShape: [4], layers: [{ type: 'dense', units: 4, activation: 'softmax' }] }, seed: 1 });
  const ji = await JointInference.create({ estimator, modelUrl: false });
  const count = Number(process.env['SAMPLES'] ?? '5');
  const resultFile = process.env['RESULT_FILE'];
  if (resultFile === undefined) throw new Error('RESULT_FILE must be set');
  for (let i = 0; i < count; i++) {
    const sample = { data: Float32Array.from([i, 0.5, -i, 1]), shape: [1, 4] };
    const outcome = await ji.infer(sample);
    appendFileSync(resultFile, JSON.stringify({ sample: i, answeredBy: outcome.answeredBy, result: Array.from(outcome.result.data), error: outcome.cloudError?.message }) + '\n');
  }
  await ji.flushReport();
  console.log(`inferred ${count} samples: ${JSON.stringify(ji.stats)}`);
  setInterval(() => undefined, 60_000); // an inference worker serves on
}

main().catch((error: unknown) => {
  console.error(`edge worker failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
