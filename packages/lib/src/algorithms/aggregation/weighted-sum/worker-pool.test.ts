import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { WeightArena } from './arena.js';
import type { WeightedSumPlan } from './chunk-runner.js';
import { KernelWorkerPool } from './worker-pool.js';

describe('KernelWorkerPool', () => {
  it('computes a whole job in the worker threads when the caller takes no chunk', async () => {
    const arena = new WeightArena();
    const length = 1000;
    const a = arena.allocate(length);
    const b = arena.allocate(length);
    for (let i = 0; i < length; i++) {
      a[i] = i;
      b[i] = 2 * i;
    }
    const tables = arena.allocate(16);
    const ints = new Int32Array(tables.buffer, tables.byteOffset, 16);
    const counter = tables.byteOffset;
    const coefTable = counter + 16;
    const ptrTable = counter + 32;
    tables[4] = 0.5;
    tables[5] = 0.25;
    ints[8] = a.byteOffset;
    ints[9] = b.byteOffset;
    const output = new Float32Array(new SharedArrayBuffer(length * 4));
    const chunkFloats = 64;
    const plan: WeightedSumPlan = {
      clientCount: 2,
      coefTable,
      counter,
      chunkFloats,
      totalChunks: Math.ceil(length / chunkFloats),
      layers: [{ ptrTable, output, length, firstChunk: 0 }],
      scratch: [0, arena.allocate(chunkFloats).byteOffset, arena.allocate(chunkFloats).byteOffset],
    };
    const pool = new KernelWorkerPool(arena.memory, 2);
    try {
      const reports = await pool.dispatch(plan);
      expect(reports.reduce((sum, report) => sum + report.chunks, 0)).toBe(plan.totalChunks);
      expect(reports.every((report) => report.nonFiniteChunks === 0)).toBe(true);
      for (let i = 0; i < length; i++) expect(output[i]).toBe(i); // 0.5·i + 0.25·2i
    } finally {
      await pool.terminate();
    }
    expect(pool.healthy).toBe(false);
    await expect(pool.dispatch(plan)).rejects.toThrow(/terminated/);
  });

  it('lets a program that disposes the engine right after a job finish (not exit 13 with the await unsettled)', async () => {
    const fixture = fileURLToPath(new URL('../../../../test/helpers/weighted-sum-dispose-exit.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=source', '--import', 'tsx', fixture], { timeout: 60_000 });
    expect(stdout.trim()).toBe('disposed');
  });
});
