/**
 * FedAvg of 10 clients x 10 M float32 parameters (400 MB of client weights) on the path the real aggregation server
 * takes, against NumPy at its best and against the original Python lib's own formula, interleaved round by round.
 *
 * Our side runs the server's own steps, without its sockets. Each client's update is the binary wire frame a trainer
 * sends (built once, before timing, with the lib's own encoder).
 *  - On arrival (not in the round's time; its cost per client is reported as `fedavg_arrival_ms_per_client`): the
 *    frame is read as the server reads a websocket message (`readWorkerInput`: decoded with the weights viewed in
 *    place) and given to the server's round coordinator, which checks it (shapes, non-finite values) and, as an
 *    accepted update, copies its weights into the FedAvg engine's arena (server/arena-placement.ts). Rounds of a real
 *    job are seconds apart and workers answer one by one; the round closes when the last update is accepted (so, as
 *    in the server, the end of the last copy may still be in the cache when the round starts).
 *  - In the round (timed): `aggregateClosedRound`, what the server runs when a round closes: FedAvg on the placed
 *    weights, read in place by the SIMD kernel, then the updates' arena memory is released; the output allocation
 *    is inside the round.
 * `fedavg_unplaced_vs_numpy_inplace` is the same without placement: the weights stay in the frames and the engine
 * copies them into its arena chunk by chunk in the round (staged-runner.ts), as for any caller whose inputs are
 * outside the arena.
 * NumPy's side, timed per round inside a Python process kept alive for the comparison (same data, read from a file
 * our side writes; its arrays are in memory before the round, as ours are after arrival):
 *  - in place, float32: `np.multiply(w_1, n_1 / N, out=out)`, then per further client `np.multiply(w, n_k / N,
 *    out=tmp)` and `np.add(out, tmp, out=out)`, with `tmp` kept from round to round as our engine keeps its memory:
 *    the fastest honest NumPy FedAvg we know;
 *  - the original's formula (lib/sedna/algorithms/aggregation/aggregation.py): `row = np.zeros(shape)` (float64),
 *    `row += np.array(w) * n / total` per client, without its final `tolist()`.
 * The output buffer, two ways, the same on both sides:
 *  - prepared between rounds (`fedavg_vs_numpy_inplace`, and the threaded figure): rounds of a real job are seconds
 *    apart, and our engine uses the gap to map the next output buffer (spare-outputs.ts); NumPy's side likewise maps
 *    its next `out` before answering, off the clock. Every round, ours and NumPy's, first waits for our engines
 *    to be idle, so that no preparation runs beside a timed round;
 *  - allocated inside the round (`fedavg_vs_numpy_inplace_fresh_output`): an engine that prepares nothing against
 *    `out = np.empty(...)` in the round, both faulting their output memory in while they run. On this virtual
 *    machine that costs more than the sum itself, and more to us: NumPy asks for transparent huge pages for large
 *    arrays (a fault per 2 MiB), V8's array buffers fault in 4 KiB at a time.
 * NumPy's element-wise operations run on one thread, so the ratios are taken with our engine on one thread too
 * (`fedavg_vs_numpy_inplace`, `fedavg_vs_original_formula`); `fedavg_server_path_gb_per_s` is the default engine
 * (2 threads on this machine) with its per-thread figure beside it. GB are decimal, of client weights read.
 * The result is checked against NumPy's: `fedavg_max_abs_diff_vs_numpy` (0: the same float32 operations in the
 * same order, multiply then add per client, client 1 first).
 * Run alone: `npx tsx bench/lib/fedavg.ts [--rounds N]`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FedAvg, WeightedSumEngine } from '@sedna/lib/algorithms';
import { seededRandom } from '@sedna/lib/common';
import { ArenaPlacement, RoundCoordinator, WeightsEncoder, aggregateClosedRound, encodeFrame, readWorkerInput, type RoundRules } from '@sedna/lib/federated-learning';
import { PythonPeer } from '../common/python-peer.js';
import { figure, interleave, round, spread } from '../common/stats.js';

const CLIENTS = 10;
const PARAMETERS = 10_000_000;
const INPUT_GB = (CLIENTS * PARAMETERS * 4) / 1e9;
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Number(process.argv[roundsArg + 1]) : 7;

const log = (message: string): void => {
  process.stderr.write(`[bench fedavg] ${message}\n`);
};

const NUMPY_SCRIPT = String.raw`
import sys, time
import numpy as np
clients, size = int(sys.argv[1]), int(sys.argv[2])
flat = np.fromfile(sys.argv[3], dtype=np.float32)
weights = [flat[i * size:(i + 1) * size] for i in range(clients)]
samples = [100 + 10 * i for i in range(clients)]
total = sum(samples)
tmp = np.zeros(size, dtype=np.float32)
spare = np.zeros(size, dtype=np.float32)
def weighted_sum(out):
    np.multiply(weights[0], np.float32(samples[0] / total), out=out)
    for w, n in zip(weights[1:], samples[1:]):
        np.multiply(w, np.float32(n / total), out=tmp)
        np.add(out, tmp, out=out)
    return out
def inplace():
    return weighted_sum(np.empty(size, dtype=np.float32))
def inplace_prepared():
    return weighted_sum(spare)
def formula():
    updates = []
    for inx, row in enumerate([np.zeros(np.array(w).shape) for w in [weights[0]]]):
        for w, n in zip(weights, samples):
            row += np.array(w) * n / total
        updates.append(row)
    return updates
def handle(cmd):
    global spare
    if cmd == 'result':
        inplace().tofile(sys.argv[4])
        return {'written': sys.argv[4]}
    run = {'inplace': inplace, 'inplace_prepared': inplace_prepared, 'formula': formula}[cmd]
    start = time.perf_counter()
    run()
    ms = (time.perf_counter() - start) * 1000
    if cmd == 'inplace_prepared':
        # The next round's output, mapped now, between rounds, as our engine does.
        spare = np.empty(size, dtype=np.float32)
        spare.fill(0)
    return {'ms': ms, 'numpy': np.__version__}
`;

function makeClientData(): Float32Array[] {
  const random = seededRandom(0);
  return Array.from({ length: CLIENTS }, () => {
    const data = new Float32Array(PARAMETERS);
    for (let position = 0; position < PARAMETERS; position++) data[position] = random() - 0.5;
    return data;
  });
}

const clientName = (index: number): string => `trainworker-${index}`;

/** The frames trainers send: the lib's float32 weights message inside an update_weight frame, as the client builds it. */
function makeFrames(data: readonly Float32Array[]): Buffer[] {
  const encoder = new WeightsEncoder();
  return data.map((weights, index) => {
    const header = { type: 'update_weight', client: clientName(index), job_name: 'bench', round_number: 1, num_samples: 100 + 10 * index };
    const frame = encodeFrame(header, encoder.encode([{ name: 'weights', shape: [PARAMETERS], data: weights }]));
    return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  });
}

/** The server's rounds: every client trains, and a round closes when all have answered. */
function roundRules(fedavg: FedAvg, placement: ArenaPlacement | undefined): RoundRules {
  return { participants: CLIENTS, exitRound: 1, minClients: CLIENTS, roundTimeoutMs: 600_000, mistnet: false, algorithm: fedavg.name, ...(placement === undefined ? {} : { placement }) };
}

/**
 * One round as the server runs it: every frame arrives (read, checked and, with a placement, copied into the arena;
 * each arrival's ms goes into `arrivalMs`), then the closed round is aggregated: only that is timed.
 */
async function serverRound(fedavg: FedAvg, placement: ArenaPlacement | undefined, frames: readonly Buffer[], arrivalMs: number[]): Promise<{ ms: number; out: Float32Array }> {
  const coordinator = new RoundCoordinator(roundRules(fedavg, placement));
  let closed = false;
  for (const [index, frame] of frames.entries()) {
    const arrived = performance.now();
    const context = { subscribed: clientName(index), openRound: coordinator.round.number, tensorNames: undefined, s3: undefined, readFeatures: undefined };
    const input = await readWorkerInput(frame, true, context);
    if (input.kind !== 'update') throw new Error(`the frame of ${clientName(index)} was not read as an update: ${JSON.stringify(input)}`);
    const decisions = coordinator.update(clientName(index), input.update, input.bytes);
    arrivalMs.push(performance.now() - arrived);
    const refusal = decisions.find((decision) => decision.kind === 'refuse');
    if (refusal !== undefined) throw new Error(`the server refused the update of ${clientName(index)}: ${JSON.stringify(refusal)}`);
    closed ||= decisions.some((decision) => decision.kind === 'close');
  }
  if (!closed) throw new Error('the round did not close after every client answered');
  const start = performance.now();
  const combined = await aggregateClosedRound(coordinator.round, undefined, fedavg);
  const ms = performance.now() - start;
  if (combined.weights === undefined) throw new Error(`the round was not aggregated: ${JSON.stringify(combined.rejected)}`);
  return { ms, out: combined.weights[0]!.data };
}

export async function measure(): Promise<Record<string, number>> {
  const work = mkdtempSync(join(tmpdir(), 'sedna-bench-fedavg-'));
  const one = new WeightedSumEngine({ threads: 1 });
  const oneFresh = new WeightedSumEngine({ threads: 1, prepareOutputs: false });
  const all = new WeightedSumEngine();
  let numpy: PythonPeer | undefined;
  try {
    log(`generating ${CLIENTS} clients x ${PARAMETERS} float32 and their wire frames`);
    const data = makeClientData();
    const frames = makeFrames(data);
    const dataFile = join(work, 'clients.f32');
    const resultFile = join(work, 'numpy-result.f32');
    writeFileSync(dataFile, Buffer.concat(data.map((d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength))));
    log('starting the NumPy baseline (/usr/bin/python3, 1 thread)');
    numpy = await PythonPeer.start(NUMPY_SCRIPT, { args: [String(CLIENTS), String(PARAMETERS), dataFile, resultFile], threads: 1 });
    const peer = numpy;
    let numpyVersion = '';
    // Our engine prepares its next output in the background after a round; NumPy's round starts once that is done,
    // so that it never shares the memory bus or a core with our preparation (NumPy prepares before it answers).
    const numpyMs = async (command: 'inplace' | 'inplace_prepared' | 'formula'): Promise<number> => {
      await Promise.all([one, oneFresh, all].map((engine) => engine.whenIdle()));
      const answer = await peer.ask<{ ms: number; numpy: string }>(command);
      numpyVersion = answer.numpy;
      return answer.ms;
    };

    const fedavgOne = new FedAvg({}, { engine: one });
    const fedavgOneFresh = new FedAvg({}, { engine: oneFresh });
    const fedavgAll = new FedAvg({}, { engine: all });
    const placementOf = new Map([fedavgOne, fedavgOneFresh, fedavgAll].map((fedavg) => [fedavg, new ArenaPlacement(fedavg.inputArena)]));
    const arrivalMs: number[] = [];
    const unplacedArrivalMs: number[] = [];
    // Rounds of a federated job are seconds apart (clients train); the engine uses the gap to prepare the next
    // output buffer, so each of our rounds first waits for the engine to be idle, as a real gap would allow.
    const ours = (fedavg: FedAvg, engine: WeightedSumEngine, placed = true) => async (): Promise<number> => {
      await engine.whenIdle();
      return (await serverRound(fedavg, placed ? placementOf.get(fedavg) : undefined, frames, placed ? arrivalMs : unplacedArrivalMs)).ms;
    };

    log(`server path, 1 thread, output prepared between rounds on both sides, against NumPy in place: ${ROUNDS} interleaved rounds`);
    const vsInplace = await interleave(ROUNDS, ours(fedavgOne, one), () => numpyMs('inplace_prepared'), (r, a, b) => log(`round ${r}: ours ${a.toFixed(1)} ms, numpy in place ${b.toFixed(1)} ms`));
    log(`server path without placement on arrival (staged in the round), 1 thread, against NumPy in place: ${ROUNDS} interleaved rounds`);
    const unplaced = await interleave(ROUNDS, ours(fedavgOne, one, false), () => numpyMs('inplace_prepared'), (r, a, b) => log(`round ${r}: ours ${a.toFixed(1)} ms, numpy in place ${b.toFixed(1)} ms`));
    log(`server path, 1 thread, against the original's formula: ${ROUNDS} interleaved rounds`);
    const vsFormula = await interleave(ROUNDS, ours(fedavgOne, one), () => numpyMs('formula'), (r, a, b) => log(`round ${r}: ours ${a.toFixed(1)} ms, original formula ${b.toFixed(1)} ms`));
    log(`server path, 1 thread, output allocated in the round on both sides, against NumPy in place: ${ROUNDS} interleaved rounds`);
    const vsFresh = await interleave(ROUNDS, ours(fedavgOneFresh, oneFresh), () => numpyMs('inplace'), (r, a, b) => log(`round ${r}: ours ${a.toFixed(1)} ms, numpy in place ${b.toFixed(1)} ms`));
    log(`server path, ${all.threads} threads, against NumPy in place: ${ROUNDS} interleaved rounds`);
    const threaded = await interleave(ROUNDS, ours(fedavgAll, all), () => numpyMs('inplace_prepared'), (r, a, b) => log(`round ${r}: ours ${a.toFixed(1)} ms, numpy in place ${b.toFixed(1)} ms`));

    await peer.ask('result');
    const expected = new Float32Array(readFileSync(resultFile).buffer.slice(0));
    const { out } = await serverRound(fedavgAll, placementOf.get(fedavgAll), frames, []);
    let maxDifference = 0;
    for (let position = 0; position < out.length; position++) maxDifference = Math.max(maxDifference, Math.abs(out[position]! - expected[position]!));
    log(`largest difference to NumPy's result: ${maxDifference.toExponential(2)} (numpy ${numpyVersion})`);

    const gbPerS = (ms: readonly number[]): number[] => ms.map((t) => INPUT_GB / (t / 1000));
    // The ratios are speed-ups: NumPy's time over ours, per round.
    const speedup = (r: { a: number[]; b: number[] }): number[] => r.a.map((ms, i) => r.b[i]! / ms);
    const threadedGb = spread(gbPerS(threaded.a)).median;
    return {
      ...figure('fedavg_server_path_gb_per_s', gbPerS(threaded.a), 2),
      fedavg_server_path_threads: all.threads,
      fedavg_server_path_gb_per_s_per_thread: round(threadedGb / all.threads, 2),
      ...figure('fedavg_server_path_ms', threaded.a, 1),
      ...figure('fedavg_server_path_1thread_gb_per_s', gbPerS([...vsInplace.a, ...vsFormula.a]), 2),
      ...figure('fedavg_vs_numpy_inplace', speedup(vsInplace), 2),
      ...figure('fedavg_unplaced_vs_numpy_inplace', speedup(unplaced), 2),
      ...figure('fedavg_unplaced_1thread_gb_per_s', gbPerS(unplaced.a), 2),
      ...figure('fedavg_arrival_ms_per_client', arrivalMs, 1),
      ...figure('fedavg_arrival_unplaced_ms_per_client', unplacedArrivalMs, 1),
      ...figure('fedavg_numpy_inplace_ms', [...vsInplace.b, ...unplaced.b, ...threaded.b], 1),
      ...figure('fedavg_numpy_inplace_fresh_output_ms', vsFresh.b, 1),
      ...figure('fedavg_vs_numpy_inplace_fresh_output', speedup(vsFresh), 2),
      ...figure('fedavg_vs_original_formula', speedup(vsFormula), 2),
      ...figure('fedavg_original_formula_ms', vsFormula.b, 1),
      fedavg_ratio_threads_each_side: 1,
      fedavg_rounds: ROUNDS,
      fedavg_max_abs_diff_vs_numpy: maxDifference,
    };
  } finally {
    await numpy?.stop();
    await one.dispose();
    await oneFresh.dispose();
    await all.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  measure().then(
    (r) => {
      console.log(JSON.stringify(r));
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
