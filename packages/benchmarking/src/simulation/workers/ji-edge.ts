/**
 * The edge worker of a simulated joint inference case (a Pod of a JointInferenceService on an edge node): the
 * lib's JointInference with the case's edgemodel module, everything else from the GM's environment (MODEL_URL,
 * HEM_NAME, HEM_PARAMETERS, BIG_MODEL_IP/PORT, MINING_MODE). It infers the test set one sample at a time, timing
 * each, writes RESULT_FILE, and stays up until stopped (a service's worker that ended would be started again).
 */
import { readFileSync } from 'node:fs';
import { BigModelClient, JointInference, probabilities, type Tensor } from '@sedna/lib';
import { moduleClass, moduleInstance, requireModule } from '../../cases/modules.js';
import type { CaseSpec } from '../../cases/spec.js';
import { loadIndex, predictedClasses, sampleSize } from '../../paradigms/data.js';
import type { BaseModel } from '../../paradigms/types.js';
import { writeWorkerError, writeWorkerResult } from './result-file.js';

export interface EdgeWorkerResult {
  predictions: number[];
  latenciesMs: number[];
  hard: number;
  /** Payload of the hard samples sent, and of the cloud's answers (without links there are no interface counters). */
  bytesUp: number;
  bytesDown: number;
  cloudFailures: number;
  lastCloudFailure?: string;
}

const spec = JSON.parse(readFileSync(process.env.CASE_SPEC as string, 'utf8')) as CaseSpec;
const resultFile = process.env.RESULT_FILE as string;
const log = (line: string): void => console.log(`[edge] ${line}`);
try {
  // A user mining module registers itself before the lib looks HEM_NAME up.
  await moduleClass(requireModule(spec.modules, 'hard_example_mining', 'jointinference'));
  const estimator = await moduleInstance<BaseModel>(requireModule(spec.modules, 'edgemodel', 'jointinference'));
  // The mining judges class probabilities (logits softmaxed), as in the case's process (paradigms/joint.ts).
  const ji = await JointInference.create({ estimator, hemInput: probabilities, log });
  const test = await loadIndex(spec.testenv.dataset.testIndex, 'test data');
  await waitForCloud();
  const n = test.y.length;
  const size = sampleSize(test.x);
  const result: EdgeWorkerResult = { predictions: [], latenciesMs: [], hard: 0, bytesUp: 0, bytesDown: 0, cloudFailures: 0 };
  for (let i = 0; i < n; i++) {
    const sample: Tensor = { data: test.x.data.subarray(i * size, (i + 1) * size), shape: [1, ...test.x.shape.slice(1)] };
    const started = performance.now();
    const outcome = await ji.infer(sample);
    result.latenciesMs.push(performance.now() - started);
    if (outcome.isHardExample) {
      result.hard++;
      result.bytesUp += sample.data.byteLength;
      if (outcome.cloudResult) result.bytesDown += outcome.cloudResult.data.byteLength;
    }
    result.predictions.push(predictedClasses(outcome.result)[0] as number);
  }
  result.cloudFailures = ji.stats.cloudFailures;
  if (ji.stats.lastCloudFailure) result.lastCloudFailure = String(ji.stats.lastCloudFailure);
  writeWorkerResult(resultFile, result);
  log(`${n} samples inferred, ${result.hard} sent to the cloud`);
  process.once('SIGTERM', () => void ji.close().finally(() => process.exit(0)));
} catch (err) {
  console.error(`edge worker failed: ${(err as Error).stack ?? String(err)}`);
  writeWorkerError(resultFile, err);
  process.exit(1);
}

/** The big model may start after this worker: ask its GET /{job} every 250 ms until it answers (at most 120 s). */
async function waitForCloud(): Promise<void> {
  const client = new BigModelClient({ host: process.env.BIG_MODEL_IP ?? '127.0.0.1', port: Number(process.env.BIG_MODEL_PORT ?? 5000), jobName: process.env.JOB_NAME ?? 'sedna', timeoutMs: 2000 });
  const deadline = Date.now() + 120_000;
  try {
    for (;;) {
      try {
        await client.info();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`the big model service did not answer within 120 s: ${(err as Error).message}`, { cause: err });
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    client.close();
  }
}
