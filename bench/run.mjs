#!/usr/bin/env node
// Runs one benchmark: `npm run bench -- <name>` (apiserver, lib, ...). Each prints progress to stderr and one
// JSON object as its last line on stdout. Benchmarks run from the TypeScript sources through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'main.ts'))).map((d) => d.name);
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name>   (available: ${available.join(', ')})`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', join(here, name, 'main.ts'), ...process.argv.slice(3)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
