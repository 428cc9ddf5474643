/**
 * The labelling step, simulated: a person goes through the hard examples the inference worker saved
 * (`<HE folder>/index.txt`, `he-<frame>.pgm predicted-class` lines), gives each its true class (here from the
 * site's ground truth) and adds it to the dataset: the image goes to `<dataset folder>/images/`, and a line
 * `images/he-<frame>.pgm <class>` is appended to the dataset file. The LC's dataset manager sees the file grow.
 *
 *   node --import tsx label.ts --he DIR --ground-truth FILE --dataset FILE [--rate 150] [--every-ms 500] [--max N]
 *
 * `--rate` is labels per second (people are slower than cameras); it runs until stopped or `--max` labels.
 */
import { appendFile, copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    he: { type: 'string' },
    'ground-truth': { type: 'string' },
    dataset: { type: 'string' },
    rate: { type: 'string', default: '150' },
    'every-ms': { type: 'string', default: '500' },
    max: { type: 'string' },
  },
});
for (const option of ['he', 'ground-truth', 'dataset'] as const) {
  if (!values[option]) {
    console.error(`label.ts: --${option} is required`);
    process.exit(2);
  }
}
const heDir = path.resolve(values.he as string);
const datasetFile = path.resolve(values.dataset as string);
const imagesDir = path.join(path.dirname(datasetFile), 'images');
const everyMs = Number(values['every-ms']);
const perTick = Math.max(1, Math.round((Number(values.rate) * everyMs) / 1000));
const max = values.max === undefined ? Infinity : Number(values.max);
const log = (line: string): void => void process.stdout.write(`${new Date().toISOString()} [labeller] ${line}\n`);

const truth = new Map<string, string>();
for (const line of (await readFile(path.resolve(values['ground-truth'] as string), 'utf8')).split('\n')) {
  const [id, label] = line.trim().split(/\s+/);
  if (id && label !== undefined) truth.set(id, label);
}
await mkdir(imagesDir, { recursive: true });

let stopping = false;
process.once('SIGTERM', () => (stopping = true));
process.once('SIGINT', () => (stopping = true));

const done = new Set<string>();
let labelled = 0;
let queue: string[] = [];
while (!stopping && labelled < max) {
  let index = '';
  try {
    index = await readFile(path.join(heDir, 'index.txt'), 'utf8');
  } catch {
    // no hard example yet
  }
  // Lines are appended whole; a last line without its newline is still being written.
  for (const line of index.split('\n').slice(0, -1)) {
    const file = line.trim().split(/\s+/)[0];
    if (file && !done.has(file)) {
      done.add(file);
      queue.push(file);
    }
  }
  const take = queue.slice(0, Math.min(perTick, max - labelled));
  queue = queue.slice(take.length);
  const lines: string[] = [];
  for (const file of take) {
    const id = file.replace(/^he-/, '').replace(/\.pgm$/, '');
    const label = truth.get(id);
    if (label === undefined) {
      log(`no ground truth for ${file}; skipped`);
      continue;
    }
    await copyFile(path.join(heDir, file), path.join(imagesDir, file));
    lines.push(`images/${file} ${label}`);
  }
  if (lines.length > 0) {
    await appendFile(datasetFile, lines.join('\n') + '\n');
    const before = labelled;
    labelled += lines.length;
    if (Math.floor(labelled / 500) !== Math.floor(before / 500)) log(`${labelled} hard examples labelled (${queue.length} waiting)`);
  }
  await new Promise((resolve) => setTimeout(resolve, everyMs));
}
log(`stopping after ${labelled} labels`);
