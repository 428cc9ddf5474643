/**
 * The examples' tests on the embedded control plane: `sedna up` with a cloud node and N edge nodes in a fresh data
 * dir, a work dir for the example, and a runner for commands in the example's folder; all of it ended and removed
 * after the file's tests (the pods' processes first: workers outlive their LC on purpose).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { up, type UpHandle } from '../../packages/cli/src/commands/up.js';
import { ensureBuilt, runCommand } from '../../packages/cli/test/harness.js';
import { stopControlPlaneAndPods } from '../../packages/cli/test/pod-processes.js';

export interface SednaUpFixture {
  readonly handle: UpHandle;
  readonly dataDir: string;
  readonly workDir: string;
  /** Runs a command in the example's folder, HOME in the control plane's data dir. */
  run(command: string, args: string[]): Promise<{ status: number; out: string }>;
}

/** Registers the beforeAll/afterAll of a test file; the fixture's fields are there once beforeAll ran. */
export function useSednaUp(options: { name: string; edgeNodes: number; exampleDir: string; broker?: 'nats' }): SednaUpFixture {
  const state: { handle?: UpHandle; dataDir?: string; workDir?: string } = {};
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the sedna up fixture has no ${what}: beforeAll has not run`);
    return value;
  };
  beforeAll(async () => {
    ensureBuilt();
    state.dataDir = mkdtempSync(join(tmpdir(), `sedna-${options.name}-embedded-`));
    state.workDir = mkdtempSync(join(tmpdir(), `sedna-${options.name}-work-`));
    state.handle = await up({ dataDir: state.dataDir, edgeNodes: options.edgeNodes, apiPort: 0, hubPort: 0, datasetRoots: ['/'], ...(options.broker ? { broker: options.broker, brokerPort: 0 } : {}), log: () => undefined });
  }, 120_000);
  afterAll(async () => {
    await stopControlPlaneAndPods(state.dataDir, () => state.handle?.stop());
    for (const dir of [state.dataDir, state.workDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get handle() {
      return need(state.handle, 'control plane');
    },
    get dataDir() {
      return need(state.dataDir, 'data dir');
    },
    get workDir() {
      return need(state.workDir, 'work dir');
    },
    run: (command, args) => runCommand(command, args, { cwd: options.exampleDir, env: { HOME: need(state.dataDir, 'data dir') } }),
  };
}
