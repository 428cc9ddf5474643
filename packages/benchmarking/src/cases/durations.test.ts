import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { caseDurationsFile, caseKey, longestFirst, readCaseDurations, saveCaseDurations } from './durations.js';
import type { CaseResult, CaseSpec } from './spec.js';

const dir = mkdtempSync(join(tmpdir(), 'sedna-case-durations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function spec(epochs: number, extra: Partial<CaseSpec> = {}): CaseSpec {
  return {
    id: `id-${Math.random()}`,
    algorithm: { file: `/jobs/${Math.random()}/algorithm.yaml`, name: 'mlp', paradigm: 'incrementallearning', modules: [] },
    modules: [{ type: 'basemodel', name: 'FashionMLP', url: '/repo/basemodel.ts', hyperparameters: { epochs } }],
    testenv: { file: `/jobs/${Math.random()}/testenv.yaml`, warnings: [], dataset: { trainIndex: '/data/train_index.txt' }, incrementalRounds: 2 },
    outputDir: `/out/${Math.random()}`,
    ...extra,
  } as unknown as CaseSpec;
}

const ok = (seconds: number): CaseResult => ({ id: 'x', ok: true, metrics: {}, time: '', seconds });

describe('case durations of earlier runs', () => {
  it('knows a case by its work, not by its id, output folder or YAML file paths', () => {
    expect(caseKey(spec(1))).toBe(caseKey(spec(1)));
    expect(caseKey(spec(1))).not.toBe(caseKey(spec(2)));
    const simulated = spec(1, { simulation: { kubeconfig: '', cloudNodes: [], edgeNodes: [], dataDir: '', links: [] } });
    expect(caseKey(simulated)).not.toBe(caseKey(spec(1)));
  });

  it('starts unmeasured cases first in grid order, then the measured ones longest first', () => {
    const specs = [spec(1), spec(2), spec(3), spec(4), spec(5)];
    const known = new Map([
      [caseKey(specs[0] as CaseSpec), 4],
      [caseKey(specs[1] as CaseSpec), 6],
      [caseKey(specs[3] as CaseSpec), 6],
    ]);
    expect(longestFirst(specs, known)).toEqual([2, 4, 1, 3, 0]);
    expect(longestFirst(specs, new Map())).toEqual([0, 1, 2, 3, 4]);
  });

  it('adds successful cases to the file and ignores failed ones', () => {
    const file = caseDurationsFile(join(dir, 'cache'));
    const specs = [spec(1), spec(2), spec(3)];
    saveCaseDurations(file, specs, [ok(4.25), { ...ok(0.1), ok: false, error: 'boom' }, undefined]);
    saveCaseDurations(file, [spec(2)], [ok(7)]);
    const known = readCaseDurations(file);
    expect(known.get(caseKey(spec(1)))).toBe(4.25);
    expect(known.get(caseKey(spec(2)))).toBe(7);
    expect(known.has(caseKey(spec(3)))).toBe(false);
    expect(readFileSync(file, 'utf8')).not.toContain('tmp');
  });

  it('reads a broken or foreign file as no durations', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"a": 1, "b": "x", "c": -2, "d": 3');
    expect(readCaseDurations(file).size).toBe(0);
    writeFileSync(file, '{"a": 1, "b": "x", "c": -2}');
    expect([...readCaseDurations(file)]).toEqual([['a', 1]]);
    expect(readCaseDurations(join(dir, 'missing.json')).size).toBe(0);
  });
});
