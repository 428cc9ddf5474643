#!/usr/bin/env node
/** `sedna-benchmark -f benchmarkingjob.yaml [--parallel N]`: the same as `sedna benchmark`, runnable with npx. */
import { benchmarkCommand } from './command.js';

const args = process.argv.slice(2);
let file: string | undefined;
let parallel = '1';
for (let i = 0; i < args.length; i++) {
  const a = args[i] as string;
  if (a === '-f' || a === '--file') file = args[++i];
  else if (a === '--parallel') parallel = args[++i] ?? '';
  else if (a.startsWith('--parallel=')) parallel = a.slice('--parallel='.length);
  else if (a === '-h' || a === '--help') file = undefined;
  else {
    console.error(`sedna-benchmark: unknown argument ${a}`);
    process.exit(2);
  }
}
if (!file) {
  console.error('usage: sedna-benchmark -f benchmarkingjob.yaml [--parallel N]');
  process.exit(2);
}
try {
  process.exit(await benchmarkCommand({ file, parallel }));
} catch (err) {
  console.error(`sedna-benchmark: ${(err as Error).message}`);
  process.exit(1);
}
