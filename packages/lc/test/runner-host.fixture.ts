/**
 * A stand-in local controller for the re-adoption test: runs one pod with a ProcessRunner and prints each status
 * as a JSON line on stdout, until the test SIGKILLs it.
 * Usage: node --import tsx runner-host.fixture.ts <dataDir> <pod.json>
 */
import { readFileSync } from 'node:fs';
import { ProcessRunner, type RunnablePod } from '../src/runner/index.js';

const [dataDir, podFile] = process.argv.slice(2);
if (!dataDir || !podFile) throw new Error('usage: runner-host.fixture.ts <dataDir> <pod.json>');
const pod = JSON.parse(readFileSync(podFile, 'utf8')) as RunnablePod;
const runner = new ProcessRunner({
  dataDir,
  hostIP: '127.0.0.1',
  onStatus: (_pod, status) => console.log(JSON.stringify(status)),
  restartBackoff: { initialMs: 50 },
});
await runner.run(pod);
setInterval(() => {}, 60_000);
