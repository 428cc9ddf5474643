/**
 * The inference worker of a simulated lifelong learning case (the deploySpec's Pod on an edge node): the lib's
 * LifelongLearning.inference with the knowledge base index the job deployed (MODEL_URLS, the GM's), copied into
 * a folder of this process's own under EDGE_DIR. The GM starts it at the first deploy and starts it again at each
 * later one. The case hands it one pass at a time: `<ORDERS_DIR>/<k>.json` names an index of samples to infer and
 * the create_time of the knowledge base index that must answer (the one deployed last); it answers
 * `<k>.result.json` with the predicted classes, how many samples were unseen and which task groups answered. An
 * order already answered (by the worker the last deploy replaced) is skipped. It serves until stopped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadIndex, predictedClasses, slice } from '../../paradigms/data.js';
import { asSampleSet } from '../../paradigms/lifelong-tasks.js';
import { lifelongOfCase, workerCase } from './ll-lifelong.js';
import { writeWorkerError, writeWorkerResult } from './result-file.js';

export interface LifelongInferOrder {
  index: string;
  /** create_time of the knowledge base index that must answer. */
  version: string;
}

export interface LifelongInferResult {
  version: string;
  predictions: number[];
  /** Samples the knowledge base did not know (answered by the nearest task's model). */
  unseen: number;
  /** Samples answered by each task group's model. */
  answeredBy: Record<string, number>;
}

/** How long a pass waits for the knowledge base index it was ordered to use (the poll finds it within a second). */
const VERSION_WAIT_MS = 120_000;
const BATCH = 256;

const log = (line: string): void => console.log(`[inference] ${line}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let stopping = false;
process.once('SIGTERM', () => (stopping = true));
try {
  const spec = workerCase();
  const orders = process.env.ORDERS_DIR;
  const edgeDir = process.env.EDGE_DIR;
  if (!orders || !edgeDir) throw new Error('environment variables ORDERS_DIR and EDGE_DIR must be set (the simulated job sets them)');
  const ll = await lifelongOfCase(spec, {
    log,
    // A restarted worker may overlap the one it replaces for a moment: each keeps its deployed copy apart.
    settings: { edgeOutputUrl: join(edgeDir, String(process.pid)), pollPeriodSeconds: 1 },
    // Ianvs's no-inference mode labels nothing the edge finds unseen: the count is kept, the samples are not saved.
    unseenSamplePostprocess: () => undefined,
  });
  const pass = async (order: LifelongInferOrder): Promise<LifelongInferResult | undefined> => {
    const data = await loadIndex(order.index, 'inference data');
    const result: LifelongInferResult = { version: order.version, predictions: [], unseen: 0, answeredBy: {} };
    for (let start = 0; start < data.y.length; start += BATCH) {
      const part = slice(data, start, Math.min(data.y.length, start + BATCH));
      const out = await ll.inference(asSampleSet(part, 'test'));
      // Another index served the batch: the pass starts over once the ordered one is in.
      if (out.version !== order.version) return undefined;
      result.predictions.push(...predictedClasses(out.predictions));
      for (const o of out.outcomes) {
        if (!o.seen) result.unseen++;
        result.answeredBy[o.answeredBy] = (result.answeredBy[o.answeredBy] ?? 0) + 1;
      }
    }
    return result;
  };
  for (let k = 0; !stopping; k++) {
    const file = join(orders, `${k}.json`);
    const resultFile = join(orders, `${k}.result.json`);
    while (!existsSync(file) && !stopping) await sleep(100);
    if (stopping) break;
    if (existsSync(resultFile)) continue;
    const order = JSON.parse(readFileSync(file, 'utf8')) as LifelongInferOrder;
    try {
      const deadline = Date.now() + VERSION_WAIT_MS;
      let result = await pass(order);
      while (!result && !stopping) {
        if (Date.now() > deadline) throw new Error(`the knowledge base index ${order.version} was not served within ${VERSION_WAIT_MS / 1000} s (serving ${ll.deployedVersion ?? 'none'}, published ${ll.publishedVersion ?? 'none'})`);
        await ll.checkForNewIndex();
        await sleep(250);
        result = await pass(order);
      }
      if (!result) break;
      writeWorkerResult(resultFile, result);
      log(`pass ${k}: ${result.predictions.length} samples with index ${result.version}, ${result.unseen} unseen; answered by ${JSON.stringify(result.answeredBy)}`);
    } catch (err) {
      writeWorkerError(resultFile, err);
      throw err;
    }
  }
  await ll.close();
  process.exit(0);
} catch (err) {
  console.error(`inference worker failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
