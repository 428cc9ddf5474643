/**
 * The example workers that Pods run as plain JavaScript (scripts/build-workers.mjs, part of `npm run build`): before a
 * runner applies an example's YAML, it makes sure the build is there and not older than the sources, so that a Pod
 * never runs yesterday's worker silently.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const BUILD_SCRIPT = resolve(import.meta.dirname, '../../scripts/build-workers.mjs');

/** Why the built workers of `exampleDir` cannot be used (missing, or a source changed since), or undefined. */
export function staleWorkerBuild(exampleDir: string): string | undefined {
  const dist = join(exampleDir, 'dist');
  let manifest: { inputs: string[] };
  try {
    manifest = JSON.parse(readFileSync(join(dist, 'inputs.json'), 'utf8')) as { inputs: string[] };
  } catch {
    return `the example's workers are not built (${dist}/inputs.json is missing): run \`npm run build\``;
  }
  const added = readdirSync(exampleDir).find((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts') && !manifest.inputs.includes(f));
  if (added) return `the example's built workers do not include ${added}: run \`npm run build\``;
  for (const source of manifest.inputs) {
    const built = statSync(join(dist, source.replace(/\.ts$/, '.js')), { throwIfNoEntry: false });
    const now = statSync(join(exampleDir, source), { throwIfNoEntry: false });
    if (!built || (now && now.mtimeMs > built.mtimeMs)) return `the example's built workers are older than ${source}: run \`npm run build\``;
  }
  return undefined;
}

/** Builds the example workers when those of `exampleDir` are missing or stale (as the test harness builds the CLI). */
export function ensureWorkersBuilt(exampleDir: string, log: (line: string) => void = () => undefined): void {
  const problem = staleWorkerBuild(exampleDir);
  if (!problem) return;
  log(`${problem.replace(/: run `npm run build`$/, '')}: building them`);
  execFileSync(process.execPath, [BUILD_SCRIPT], { stdio: ['ignore', 'ignore', 'inherit'] });
  const still = staleWorkerBuild(exampleDir);
  if (still) throw new Error(still);
}
