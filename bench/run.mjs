#!/usr/bin/env node
// Runs one benchmark: `npm run bench -- <name> [args]` (apiserver, lib, ...). Each prints progress to stderr and one
// JSON object as its last line on stdout. Benchmarks run from the TypeScript sources through tsx. The JSON line is
// also appended, with the date, the machine and the arguments, to bench/results/<name>.jsonl, from which
// `npm run bench:table` writes the README's table (so the table cannot drift from what was run). `--no-record`
// runs without recording.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'main.ts'))).map((d) => d.name);
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [--no-record] [args]   (available: ${available.join(', ')})`);
  process.exit(2);
}
const args = process.argv.slice(3).filter((a) => a !== '--no-record');
const record = !process.argv.includes('--no-record');
// The machine's load when the run started and ended: other work on a 2-core machine moves every figure.
const loadAtStart = loadavg()[0];
const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(here, name, 'main.ts'), ...args], { stdio: ['inherit', 'pipe', 'inherit'] });
let out = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  out = (out + chunk.toString()).slice(-1_000_000);
});
child.on('close', (code) => {
  const last = out.trim().split('\n').at(-1) ?? '';
  if (code === 0 && record) {
    try {
      const figures = JSON.parse(last);
      const entry = {
        bench: name,
        date: new Date().toISOString(),
        args,
        machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version, load_1m_start: loadAtStart, load_1m_end: loadavg()[0] },
        figures,
      };
      mkdirSync(join(here, 'results'), { recursive: true });
      appendFileSync(join(here, 'results', `${name}.jsonl`), `${JSON.stringify(entry)}\n`);
      console.error(`[bench] recorded in bench/results/${name}.jsonl`);
    } catch {
      console.error('[bench] the last line is not one JSON object: not recorded');
    }
  }
  process.exit(code ?? 1);
});
