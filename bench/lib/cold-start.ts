/**
 * A joint inference edge worker's cold start: a new Node process imports the lib, loads an ONNX model (the
 * Fashion-MNIST MLP of the other parts, untrained: its values do not matter here) and runs a first inference.
 * Two ways of importing, interleaved over rounds, each in a fresh process:
 *  - `package`: everything from '@sedna/lib' (TensorFlow.js, the AWS SDK, the knowledge base server come along);
 *  - `entry-points`: '@sedna/lib/joint-inference' and '@sedna/lib/estimators/onnx' only.
 * Figures: worker_cold_start_ms (process start to first result, from performance.now() in the worker) and
 * worker_rss_mb (resident memory then), medians and IQRs of the entry-point way, and the same of the package way
 * with the `_package` suffix. Run alone: `npx tsx bench/lib/cold-start.ts`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { MlpEstimator } from '@sedna/lib/estimators/mlp';
import { exportToOnnx } from '@sedna/lib/onnx';
import { MLP_SPEC } from './train.js';
import { figure, interleave } from '../common/stats.js';

const ROUNDS = 9;
const WORKER = fileURLToPath(new URL('./cold-start-worker.mjs', import.meta.url));
const run = promisify(execFile);

const log = (msg: string): void => {
  process.stderr.write(`[bench lib/cold-start] ${msg}\n`);
};

interface ColdStart {
  ms: number;
  rssMb: number;
}

async function coldStart(how: 'package' | 'entry-points', model: string): Promise<ColdStart> {
  // No tsx and no "source" condition: the worker resolves the built package as a user's worker would.
  const { stdout } = await run(process.execPath, [WORKER, how, model], { env: { ...process.env, NODE_OPTIONS: '' } });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ColdStart;
}

export async function measure(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'sedna-cold-start-'));
  try {
    const model = join(dir, 'mlp.onnx');
    const mlp = new MlpEstimator({ spec: MLP_SPEC, seed: 1 });
    writeFileSync(model, exportToOnnx({ spec: mlp.spec, weights: mlp.getWeights() }));
    const rss: { package: number[]; entry: number[] } = { package: [], entry: [] };
    const runs = await interleave(
      ROUNDS,
      async () => {
        const r = await coldStart('package', model);
        rss.package.push(r.rssMb);
        return r.ms;
      },
      async () => {
        const r = await coldStart('entry-points', model);
        rss.entry.push(r.rssMb);
        return r.ms;
      },
      (r, p, e) => log(`round ${r}/${ROUNDS}: package ${p.toFixed(0)} ms, entry points ${e.toFixed(0)} ms`),
    );
    // interleave() ran one unrecorded warm-up of each side first: drop its memory figure too.
    rss.package.shift();
    rss.entry.shift();
    return {
      ...figure('worker_cold_start_ms', runs.b, 0),
      ...figure('worker_rss_mb', rss.entry, 1),
      ...figure('worker_cold_start_ms_package', runs.a, 0),
      ...figure('worker_rss_mb_package', rss.package, 1),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) console.log(JSON.stringify(await measure()));
