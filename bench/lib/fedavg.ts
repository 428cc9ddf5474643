/**
 * FedAvg of 10 clients × 10 M float32 parameters (400 MB of client weights), against the original Python
 * lib's formula in NumPy measured in a child process on the same machine.
 *
 * - fedavg_ms: our FedAvg strategy end to end (screening, SIMD weighted sum on all cores, fresh output), with
 *   the client weights decoded into the engine's arena as an aggregation server does when updates arrive,
 *   and with the gap between rounds in which the engine pre-faults the next output (see below).
 * - fedavg_numpy_ms: Sedna's `FedAvg.aggregate` formula, `row = np.zeros(shape); row += np.array(w) * n / N`
 *   per client, without its final `tolist()` (which would add several hundred ms more).
 * - fedavg_gb_per_s: 0.4 GB of client weights read / fedavg_ms (decimal GB, as in the machine notes).
 * Extra keys: the same FedAvg back to back (no gap, so the output memory is faulted in during the round),
 * with inputs outside the arena (copied in first), the plain-JS reference, the thread count, and the largest
 * difference between our result and the JS float64 reference.
 * Every time is the median of several repetitions after a warm-up.
 */
import { spawn } from 'node:child_process';
import { FedAvg, WeightedSumEngine, type AggClient } from '../../packages/lib/src/algorithms/index.js';
import { seededRandom } from '../../packages/lib/src/common/random.js';

const CLIENTS = 10;
const PARAMETERS = 10_000_000;
const INPUT_GB = (CLIENTS * PARAMETERS * 4) / 1e9;

const log = (message: string): void => {
  process.stderr.write(`[bench fedavg] ${message}\n`);
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function timeMedian(label: string, repetitions: number, run: () => Promise<unknown>, between?: () => Promise<void>): Promise<number> {
  await run(); // warm-up: compiles, starts the worker threads, grows the arena
  const times: number[] = [];
  for (let repetition = 0; repetition < repetitions; repetition++) {
    await between?.();
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  log(`${label}: ${times.map((t) => t.toFixed(1)).join(' / ')} ms, median ${median(times).toFixed(1)} ms`);
  return median(times);
}

const NUMPY_SCRIPT = `
import json, sys, time
import numpy as np
clients, size, reps = ${CLIENTS}, ${PARAMETERS}, 3
rng = np.random.default_rng(0)
weights = [[rng.random(size, dtype=np.float32) - np.float32(0.5)] for _ in range(clients)]
samples = [100 + 10 * i for i in range(clients)]
def aggregate():
    # Sedna's FedAvg.aggregate (lib/sedna/algorithms/aggregation/aggregation.py), without row.tolist()
    total = sum(samples)
    updates = []
    for inx, row in enumerate([np.zeros(np.array(w).shape) for w in weights[0]]):
        for w, n in zip(weights, samples):
            row += np.array(w[inx]) * n / total
        updates.append(row)
    return updates
aggregate()
times = []
for _ in range(reps):
    start = time.perf_counter()
    aggregate()
    times.append((time.perf_counter() - start) * 1000)
print(json.dumps({"times_ms": times}))
`;

async function measureNumpy(): Promise<number> {
  const env = { ...process.env };
  // The machine notes: these are set on some processors and mislead OpenBLAS; NumPy's child must not see them.
  delete env['OPENBLAS_CORETYPE'];
  delete env['OPENBLAS_L2_SIZE'];
  const child = spawn('/usr/bin/python3', ['-c', NUMPY_SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`the NumPy baseline failed (exit ${code}): ${stderr.trim()}`);
  const lastLine = stdout.trim().split('\n').at(-1) ?? '';
  const times = (JSON.parse(lastLine) as { times_ms: number[] }).times_ms;
  log(`numpy (Sedna's formula): ${times.map((t) => t.toFixed(1)).join(' / ')} ms, median ${median(times).toFixed(1)} ms`);
  return median(times);
}

function makeClients(engine: WeightedSumEngine | undefined): AggClient[] {
  const random = seededRandom(0);
  return Array.from({ length: CLIENTS }, (_, index) => {
    const data = engine === undefined ? new Float32Array(PARAMETERS) : engine.arena.allocate(PARAMETERS, false);
    for (let position = 0; position < PARAMETERS; position++) data[position] = random() - 0.5;
    return { id: `trainworker-${index}`, numSamples: 100 + 10 * index, weights: [{ name: 'weights', shape: [PARAMETERS], data }] };
  });
}

export async function measure(): Promise<Record<string, number>> {
  const engine = new WeightedSumEngine();
  const jsEngine = new WeightedSumEngine({ backend: 'js' });
  try {
    log(`generating ${CLIENTS} clients × ${PARAMETERS} float32 in the arena (threads: ${engine.threads})`);
    const arenaClients = makeClients(engine);
    const fedavg = new FedAvg({}, { engine });
    // Between rounds the engine's workers pre-fault the next output buffer; in a federated job rounds are
    // seconds apart (clients train), so each repetition first lets that finish. Back to back is reported too.
    const betweenRounds = (): Promise<void> => engine.whenIdle();
    const fedavgMs = await timeMedian('FedAvg, inputs in the arena', 7, () => fedavg.aggregate(arenaClients), betweenRounds);
    const backToBackMs = await timeMedian('FedAvg, inputs in the arena, back to back', 7, () => fedavg.aggregate(arenaClients));

    log('copying the clients outside the arena');
    const externalClients = arenaClients.map((client) => ({ ...client, weights: client.weights.map((t) => ({ ...t, data: t.data.slice() })) }));
    const externalMs = await timeMedian('FedAvg, inputs outside the arena', 5, () => fedavg.aggregate(externalClients), betweenRounds);

    const reference = new FedAvg({}, { engine: jsEngine });
    const plainJsMs = await timeMedian('FedAvg, plain-JS reference', 2, () => reference.aggregate(externalClients));
    const ours = (await fedavg.aggregate(arenaClients)).weights[0]!.data;
    const expected = (await reference.aggregate(externalClients)).weights[0]!.data;
    let maxDifference = 0;
    for (let position = 0; position < ours.length; position++) maxDifference = Math.max(maxDifference, Math.abs(ours[position]! - expected[position]!));
    log(`largest difference to the JS reference: ${maxDifference.toExponential(2)}`);

    log('running the NumPy baseline (/usr/bin/python3)');
    const numpyMs = await measureNumpy();
    return {
      fedavg_ms: round(fedavgMs),
      fedavg_numpy_ms: round(numpyMs),
      fedavg_speedup_vs_numpy: round(numpyMs / fedavgMs),
      fedavg_gb_per_s: round(INPUT_GB / (fedavgMs / 1000)),
      fedavg_back_to_back_ms: round(backToBackMs),
      fedavg_back_to_back_gb_per_s: round(INPUT_GB / (backToBackMs / 1000)),
      fedavg_external_input_ms: round(externalMs),
      fedavg_external_input_gb_per_s: round(INPUT_GB / (externalMs / 1000)),
      fedavg_plain_js_ms: round(plainJsMs),
      fedavg_threads: engine.threads,
      fedavg_max_abs_diff_vs_js_reference: maxDifference,
    };
  } finally {
    await engine.dispose();
    await jsEngine.dispose();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
