import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RankConfig } from '../config/benchmarkingjob.js';
import type { CaseSpec } from '../cases/spec.js';
import { parseCsv, writeCsv } from './csv.js';
import { formatTable } from './print-table.js';
import { saveRank, sortRows, type RankedCase } from './rank.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-rank-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rank = (over: Partial<RankConfig> = {}): RankConfig => ({
  sortBy: [{ metric: 'f1_score', ascend: false }, { metric: 'samples_transfer_ratio', ascend: true }],
  visualization: { mode: 'selected_only', method: 'print_table' },
  selected: { paradigms: ['all'], modules: ['all'], hyperparameters: ['all'], metrics: ['f1_score', 'samples_transfer_ratio'] },
  saveMode: 'selected_and_all',
  ...over,
});

function ranked(id: string, momentum: number, f1: number, str: number, time: string): RankedCase {
  const spec = {
    id,
    algorithm: { name: 'fpn_incremental_learning', paradigm: 'incrementallearning' },
    modules: [
      { type: 'basemodel', name: 'FPN', url: undefined, hyperparameters: { momentum, learning_rate: 0.1 } },
      { type: 'hard_example_mining', name: 'IBT', url: undefined, hyperparameters: { threshold_img: 0.9 } },
    ],
    outputDir: `/ws/job/fpn_incremental_learning/${id}`,
  } as unknown as CaseSpec;
  return { spec, result: { id, ok: true, metrics: { f1_score: f1, samples_transfer_ratio: str }, time, seconds: 1 } };
}

describe('rank files', () => {
  it("have Ianvs's columns, sort by priority and accumulate across runs", () => {
    const job = join(dir, 'job');
    const first = saveRank(job, [ranked('a', 0.95, 0.9, 0.5, '2026-01-01 10:00:00'), ranked('b', 0.5, 0.95, 0.6, '2026-01-01 10:00:01'), ranked('c', 0.1, 0.9, 0.4, '2026-01-01 10:00:02')], rank());
    const all = parseCsv(readFileSync(first.allRank, 'utf8'));
    expect(all.header).toEqual([
      'rank', 'algorithm', 'f1_score', 'samples_transfer_ratio', 'paradigm', 'basemodel', 'hard_example_mining',
      'basemodel-momentum', 'basemodel-learning_rate', 'hard_example_mining-threshold_img', 'time', 'url',
    ]);
    // f1 descending first, then the transfer ratio ascending among equal f1.
    expect(all.rows.map((r) => [r.rank, r.f1_score, r.samples_transfer_ratio, r['basemodel-momentum']])).toEqual([
      ['1', '0.95', '0.6', '0.5'],
      ['2', '0.9', '0.4', '0.1'],
      ['3', '0.9', '0.5', '0.95'],
    ]);
    expect(all.rows[0]).toMatchObject({ basemodel: 'FPN', hard_example_mining: 'IBT', paradigm: 'incrementallearning', url: '/ws/job/fpn_incremental_learning/b' });

    const second = saveRank(job, [ranked('d', 0.7, 0.97, 0.9, '2026-01-02 10:00:00'), ranked('e', 0.95, 0.9, 0.5, '2026-01-02 10:00:01')], rank());
    const again = parseCsv(readFileSync(second.allRank, 'utf8'));
    expect(again.rows.map((r) => (r.url ?? '').split('/').pop())).toEqual(['d', 'b', 'c', 'a', 'e']);
    // selected_rank drops rows that repeat on everything but time and url (a and e).
    const selected = parseCsv(readFileSync(second.selectedRank, 'utf8'));
    expect(selected.header).toEqual(['rank', 'algorithm', 'f1_score', 'samples_transfer_ratio', 'paradigm', 'basemodel', 'hard_example_mining', 'basemodel-momentum', 'basemodel-learning_rate', 'hard_example_mining-threshold_img', 'time', 'url']);
    expect(selected.rows.map((r) => (r.url ?? '').split('/').pop())).toEqual(['d', 'b', 'c', 'a']);
    expect(formatTable(second.selected).split('\n')[1]).toMatch(/^\| rank \| +algorithm +\| f1_score \|/);
  });

  it('selects metrics, modules, hyperparameters and paradigms; selected_only writes no all_rank', () => {
    const job = join(dir, 'job2');
    const out = saveRank(job, [ranked('a', 0.95, 0.9, 0.5, 't1'), ranked('b', 0.5, 0.8, 0.6, 't2')], rank({ selected: { paradigms: ['singletasklearning'], modules: ['basemodel'], hyperparameters: ['basemodel-momentum'], metrics: ['f1_score'] }, saveMode: 'selected_only' }));
    const selected = parseCsv(readFileSync(out.selectedRank, 'utf8'));
    expect(selected.header).toEqual(['rank', 'algorithm', 'f1_score', 'paradigm', 'basemodel', 'basemodel-momentum', 'time', 'url']);
    expect(selected.rows).toEqual([]);
    expect(() => readFileSync(out.allRank)).toThrow();
  });

  it('sorts stably and puts missing values last', () => {
    const rows: Record<string, string>[] = [{ m: '' }, { m: '2' }, { m: '1' }, { m: '2', k: 'x' }];
    expect(sortRows(rows, [{ metric: 'm', ascend: false }], ['m'])).toEqual([{ m: '2' }, { m: '2', k: 'x' }, { m: '1' }, { m: '' }]);
    expect(sortRows(rows, [{ metric: 'absent', ascend: false }], ['m'])).toEqual(rows);
  });

  it('round-trips CSV with quotes, commas and newlines', () => {
    const table = { header: ['a', 'b'], rows: [{ a: 'x,y', b: 'say "hi"\nthere' }, { a: '', b: '1' }] };
    expect(parseCsv(writeCsv(table))).toEqual(table);
  });
});
