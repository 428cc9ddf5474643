#!/usr/bin/env node
/**
 * Builds the example worker programs that Pods run into plain JavaScript (`<example>/dist/<worker>.js`), part of
 * `npm run build`. A Pod that ran `node --import tsx worker.ts` paid for tsx on every start: its module hooks run on a
 * thread of their own and every import is a round trip to it, seconds of a worker's start on a loaded machine. A
 * container image would ship compiled code; this is that code.
 *
 * Every module file of the example's folder (tests aside) is transpiled on its own, imports untouched: relative
 * imports find their compiled neighbours (a dynamic `import()` stays lazy), package imports (`@sedna/lib/...`) are
 * resolved by Node from the example's folder as before. (Bundling would not do: the example's lib.ts re-exports
 * the lib's entry points with `export *`, which a bundler cannot see through when packages stay external.) Only the
 * worker programs are meant to run from dist/: a module that finds files by `import.meta.url` would look there.
 * Next to them, `inputs.json` lists the source files, so that a runner can tell a stale build and
 * rebuild it (examples/common/worker-build.ts).
 *
 *   node scripts/build-workers.mjs
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Example folder -> the worker programs its YAML runs. */
const WORKERS = {
  'examples/incremental_learning/fashion_mnist': ['train.ts', 'eval.ts', 'inference.ts'],
};

for (const [folder, workers] of Object.entries(WORKERS)) {
  const dir = join(root, folder);
  const outdir = join(dir, 'dist');
  // Built aside and swapped in: a test that rebuilds a stale build while another runs a worker from it.
  const building = join(dir, `dist.${process.pid}.tmp`);
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'));
  for (const worker of workers) if (!sources.includes(worker)) throw new Error(`${folder}/${worker} does not exist`);
  await esbuild.build({
    entryPoints: sources.map((f) => join(dir, f)),
    outdir: building,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    absWorkingDir: root,
  });
  writeFileSync(join(building, 'inputs.json'), `${JSON.stringify({ workers: workers.map((w) => w.replace(/\.ts$/, '.js')), inputs: sources }, null, 2)}\n`);
  const old = join(dir, `dist.${process.pid}.old`);
  if (existsSync(outdir)) renameSync(outdir, old);
  renameSync(building, outdir);
  rmSync(old, { recursive: true, force: true });
  console.log(`built the workers of ${folder} (${workers.join(', ')}) into ${relative(root, outdir)}/`);
}
