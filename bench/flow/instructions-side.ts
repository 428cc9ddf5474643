/**
 * One side of the joint inference edge pipeline (`--side graph` or `--side loop`) for `npm run bench -- flow --parts
 * instructions` (instructions.ts), which runs this under callgrind with its instrumentation off: the side warms up,
 * says it is ready (writes its pid to `<sync>/ready`) and waits for `<sync>/go`, which the bench writes once it has
 * turned the instrumentation on; then it runs its measured rounds, writes `<sync>/done` and waits for `<sync>/off`
 * (instrumentation off again) before it exits. So only the measured rounds are counted.
 *   valgrind --tool=callgrind --instr-atstart=no ... node --perf-basic-prof --conditions=source --import tsx \
 *     bench/flow/instructions-side.ts --side graph --sync DIR [--images 500 --warmup 16 --rounds 2]
 */
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadGraphText } from '@sedna/lib/flow';
import { modelPaths } from '../../examples/joint_inference/fashion_mnist/models.js';
import { handWrittenLoop, jiEnv, jiGraphText, openGraphRunner, startBigModel, testImages } from './ji-pipeline.js';

const { values } = parseArgs({ options: { side: { type: 'string' }, sync: { type: 'string' }, images: { type: 'string', default: '500' }, warmup: { type: 'string', default: '16' }, rounds: { type: 'string', default: '2' }, models: { type: 'string', default: '/tmp/sedna-ji-fashion-mnist/models' }, threshold: { type: 'string', default: '0.7' } } });
const side = values.side;
if (side !== 'graph' && side !== 'loop') throw new Error('--side: graph or loop');
const sync = values.sync;
if (!sync) throw new Error('--sync: the directory the bench and this side signal each other in');
const images = Number(values.images);
const threshold = Number(values.threshold);

const paths = modelPaths(values.models);
const raw = await testImages(images);
const service = await startBigModel(paths.big);
const env = jiEnv(paths.little, threshold, service.port);
const run =
  side === 'loop'
    ? await handWrittenLoop(paths.little, threshold, service.port, 'mining')
    : await openGraphRunner((await loadGraphText(jiGraphText('mining'), path.join(tmpdir(), `sedna-flow-instructions-${process.pid}.toml`), { env })).graph, env, images);

/** Waits for the bench's file (a poll every 20 ms: under callgrind this side runs some 50 times slower anyway). */
async function signalled(file: string): Promise<void> {
  while (!existsSync(path.join(sync as string, file))) await new Promise((resolve) => setTimeout(resolve, 20));
}

for (let w = 0; w < Number(values.warmup); w++) await run.run(raw);
writeFileSync(path.join(sync, 'ready'), String(process.pid));
await signalled('go');
let answers = 0;
for (let r = 0; r < Number(values.rounds); r++) answers += (await run.run(raw)).length;
writeFileSync(path.join(sync, 'done'), String(answers));
await signalled('off');
process.exit(0);
