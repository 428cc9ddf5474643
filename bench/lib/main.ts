/**
 * `npm run bench -- lib`: the worker lib's figures in one JSON line: FedAvg against the original's NumPy formula,
 * weight compression for transfer, ONNX inference overhead through the lib, training throughput against PyTorch
 * (one thread), and a joint inference edge worker's cold start and memory. Each part prints its progress to
 * stderr; `--only fedavg,onnx` runs a subset.
 */
import { measure as coldStart } from './cold-start.js';
import { measure as compression } from './compression.js';
import { measure as fedavg } from './fedavg.js';
import { measure as onnx } from './onnx.js';
import { measure as train } from './train.js';

const parts: Record<string, () => Promise<Record<string, number | string>>> = { fedavg, compression, onnx, train, 'cold-start': coldStart };
const onlyIndex = process.argv.indexOf('--only');
const selected = onlyIndex >= 0 ? process.argv[onlyIndex + 1]!.split(',') : Object.keys(parts);
const unknown = selected.filter((s) => !(s in parts));
if (unknown.length) {
  console.error(`unknown part(s) ${unknown.join(', ')}; known: ${Object.keys(parts).join(', ')}`);
  process.exit(2);
}
// A part that leaves an await unsettled ends the process with code 13 and nothing said (it happened: the FedAvg
// part's engine dispose). Whatever ends the run early, say which part was running and fail.
let running = 'startup';
process.on('exit', (code) => {
  if (running !== 'done') {
    process.stderr.write(`[bench lib] the run ended (exit code ${code}) during part "${running}" without printing its figures\n`);
    if (code === 0) process.exitCode = 1;
  }
});
const result: Record<string, number | string> = {};
for (const name of selected) {
  running = name;
  process.stderr.write(`[bench lib] ${name}\n`);
  try {
    Object.assign(result, await parts[name]!());
  } catch (error) {
    process.stderr.write(`[bench lib] part "${name}" failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}
running = 'done';
console.log(JSON.stringify(result));
process.exit(0);
