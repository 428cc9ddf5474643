/**
 * The joint inference edge pipeline's two sides (the graph, the hand-written loop) in interleaved rounds, for
 * `npm run bench -- flow --parts cpu_split` (cpu-split.ts), which runs this under `perf record` with perf's clock set
 * to CLOCK_MONOTONIC (the clock of process.hrtime): each round's start and end are printed, so that every sample can
 * be given to the side whose round it fell in. The graph's flow is opened (its models loaded) once, before the rounds,
 * and fed each round's images.
 * Prints one JSON line: the rounds' windows, and each side's CPU time per image.
 *   node --conditions=source --import tsx bench/flow/cpu-side.ts --rounds 10 --images 2000 --models DIR
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { modelPaths } from '../../examples/joint_inference/fashion_mnist/models.js';
import { loadGraphText } from '@sedna/lib/flow';
import { handWrittenLoop, jiEnv, jiGraphText, openGraphRunner, startBigModel, testImages } from './ji-pipeline.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' }, warmup: { type: 'string', default: '5' }, images: { type: 'string', default: '2000' }, models: { type: 'string', default: '/tmp/sedna-ji-fashion-mnist/models' }, threshold: { type: 'string', default: '0.7' } } });
const rounds = Number(values.rounds);
const images = Number(values.images);
const threshold = Number(values.threshold);

const paths = modelPaths(values.models);
const raw = await testImages(images);
const service = await startBigModel(paths.big);
const { port } = service;
const env = jiEnv(paths.little, threshold, port);
const { graph } = await loadGraphText(jiGraphText('mining'), path.join(tmpdir(), 'sedna-flow-cpu-side.toml'), { env });
const loop = await handWrittenLoop(paths.little, threshold, port, 'mining');

// The graph as a worker runs it, one flow fed round after round (as `--parts overhead` measures it).
const runner = await openGraphRunner(graph, env, images);
for (let w = 0; w < Number(values.warmup); w++) {
  await loop.run(raw);
  await runner.run(raw);
}
type Side = 'graph' | 'loop';
const windows: { side: Side; start: number; end: number }[] = [];
const cpu: Record<Side, number> = { graph: 0, loop: 0 };
/** One round of a side: its window on CLOCK_MONOTONIC (seconds) and its CPU time. */
const round = async (side: Side): Promise<void> => {
  const before = process.cpuUsage();
  const start = Number(process.hrtime.bigint()) / 1e9;
  const answers = (await (side === 'graph' ? runner : loop).run(raw)).length;
  const end = Number(process.hrtime.bigint()) / 1e9;
  const used = process.cpuUsage(before);
  if (answers !== images) throw new Error(`${side}: ${answers} answers for ${images} images`);
  windows.push({ side, start, end });
  cpu[side] += used.user + used.system;
};
for (let r = 0; r < rounds; r++) {
  // The side going first alternates.
  for (const side of r % 2 === 0 ? (['graph', 'loop'] as const) : (['loop', 'graph'] as const)) await round(side);
}
loop.close();
await runner.close();
await service.stop();
console.log(JSON.stringify({ pid: process.pid, images_per_round: images, rounds, windows, cpu_us_per_item: { graph: cpu.graph / (rounds * images), loop: cpu.loop / (rounds * images) } }));
process.exit(0);
