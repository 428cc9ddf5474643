/**
 * The inference worker of a simulated incremental learning case (the deploySpec's Pod on an edge node): the lib's
 * IncrementalLearning.inference with the case's basemodel module, the job's hard example mining (HEM_NAME,
 * HEM_PARAMETERS) and hot update (MODEL_HOT_UPDATE: a deployed model is swapped in while it runs). The case hands
 * it one pass at a time: `<ORDERS_DIR>/<k>.json` names an index to infer and how many hot updates must have
 * happened first (the models deployed so far); it answers `<k>.result.json` with the hard samples and the
 * predicted classes, and serves until stopped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IncrementalLearning, type Tensor } from '@sedna/lib';
import { moduleInstance, requireModule } from '../../cases/modules.js';
import type { CaseSpec } from '../../cases/spec.js';
import { loadIndex, predictedClasses, sampleSize } from '../../paradigms/data.js';
import type { BaseModel } from '../../paradigms/types.js';
import { writeWorkerError, writeWorkerResult } from './result-file.js';

export interface InferOrder {
  index: string;
  /** Hot updates that must have been served before this pass (the deployments so far). */
  updates: number;
}

export interface InferResult {
  hard: number[];
  predictions: number[];
  modelVersion: string | null;
}

const spec = JSON.parse(readFileSync(process.env.CASE_SPEC as string, 'utf8')) as CaseSpec;
const orders = process.env.ORDERS_DIR as string;
const log = (line: string): void => console.log(`[inference] ${line}`);
const base = requireModule(spec.modules, 'basemodel', 'incrementallearning');
let updates = 0;
let stopping = false;
process.once('SIGTERM', () => (stopping = true));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
try {
  const il = new IncrementalLearning<BaseModel>({
    estimator: await moduleInstance<BaseModel>(base),
    createEstimator: () => moduleInstance<BaseModel>(base),
    hardExamples: false,
    log,
    onHotUpdate: (event) => {
      if (event.type === 'updated') updates++;
      log(`hot update: ${event.type}`);
    },
  });
  for (let k = 0; !stopping; k++) {
    const file = join(orders, `${k}.json`);
    while (!existsSync(file) && !stopping) await sleep(100);
    if (stopping) break;
    const order = JSON.parse(readFileSync(file, 'utf8')) as InferOrder;
    const resultFile = join(orders, `${k}.result.json`);
    try {
      while (updates < order.updates && !stopping) await sleep(100);
      const data = await loadIndex(order.index, 'inference data');
      const n = data.y.length;
      const size = sampleSize(data.x);
      const result: InferResult = { hard: [], predictions: [], modelVersion: null };
      for (let start = 0; start < n; start += 256) {
        const end = Math.min(n, start + 256);
        const part: Tensor = { data: data.x.data.subarray(start * size, end * size), shape: [end - start, ...data.x.shape.slice(1)] };
        const out = await il.inference(part, { keepHardExamples: false });
        out.hardExamples.forEach((h, i) => h && result.hard.push(start + i));
        result.predictions.push(...predictedClasses(out.inferResult));
        result.modelVersion = out.modelVersion ?? null;
      }
      writeWorkerResult(resultFile, result);
      log(`pass ${k}: ${n} samples, ${result.hard.length} hard, model ${result.modelVersion ?? 'initial'}`);
    } catch (err) {
      writeWorkerError(resultFile, err);
      throw err;
    }
  }
  await il.close();
  process.exit(0);
} catch (err) {
  console.error(`inference worker failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
