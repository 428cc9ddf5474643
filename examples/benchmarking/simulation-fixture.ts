/**
 * What the simulation tests share: a temporary folder, a loopback server of a Fashion-MNIST slice as the dataset URL,
 * the runner's cache inside the folder, and a look at the processes still running under a folder afterwards.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { fashionSliceTarGz, serveFiles, type DatasetServer } from '../../packages/benchmarking/test/fixtures.js';
import { ensureBuilt } from '../../packages/cli/test/harness.js';

export interface SimulationFixture {
  /** The test's folder, removed after its tests. */
  readonly dir: string;
  /** The slice's URL (valid once beforeAll has run). */
  datasetUrl(): string;
}

/** Registers beforeAll/afterAll hooks that serve a slice of `train` and `test` images for the file's tests. */
export function simulationFixture(prefix: string, train: number, test: number): SimulationFixture {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let server: DatasetServer | undefined;
  beforeAll(async () => {
    ensureBuilt();
    server = await serveFiles({ '/fashion-mnist-slice.tar.gz': fashionSliceTarGz(train, test) });
    process.env.SEDNA_BENCHMARK_CACHE = join(dir, 'cache');
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    datasetUrl: () => {
      if (!server) throw new Error('the dataset server is not started yet (use datasetUrl() inside a test)');
      return `${server.url}/fashion-mnist-slice.tar.gz`;
    },
  };
}

/** Processes whose command line names the folder (the control plane, its local controllers, their workers). */
export function processesUnder(folder: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args']).toString().split('\n').filter((l) => l.includes(folder) && !l.includes(' ps '));
}
