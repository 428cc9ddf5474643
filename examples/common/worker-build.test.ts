import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { staleWorkerBuild } from './worker-build.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An example folder with `worker.ts` (and a test file, never built), built at `builtAt` (seconds) when given. */
function example(builtAt?: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'worker-build-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'worker.ts'), 'console.log(1);\n');
  writeFileSync(join(dir, 'worker.test.ts'), '');
  utimesSync(join(dir, 'worker.ts'), 1000, 1000);
  if (builtAt !== undefined) {
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'inputs.json'), JSON.stringify({ workers: ['worker.js'], inputs: ['worker.ts'] }));
    writeFileSync(join(dir, 'dist', 'worker.js'), 'console.log(1);\n');
    utimesSync(join(dir, 'dist', 'worker.js'), builtAt, builtAt);
  }
  return dir;
}

describe('staleWorkerBuild', () => {
  it('says a build is missing', () => {
    expect(staleWorkerBuild(example())).toMatch(/not built .*npm run build/);
  });

  it('accepts a build newer than its sources', () => {
    expect(staleWorkerBuild(example(2000))).toBeUndefined();
  });

  it('names a source changed since the build', () => {
    expect(staleWorkerBuild(example(500))).toMatch(/older than worker\.ts/);
  });

  it('names a module added since the build', () => {
    const dir = example(2000);
    writeFileSync(join(dir, 'helper.ts'), '');
    expect(staleWorkerBuild(dir)).toMatch(/do not include helper\.ts/);
  });
});
