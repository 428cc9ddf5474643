/**
 * An LC upgraded while a stage job runs: its job state file holds marks of the old form (the count of conditions,
 * stage/type and transition time). They are mapped to the round, stage and phase of the condition they name, so the
 * current stage action is not taken a second time.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { StageCondition } from '@sedna/api';
import { afterEach, describe, expect, it } from 'vitest';
import { IncrementalLearningManager } from '../src/managers/incrementallearning/index.js';
import { emptyLedger, JobStateStore, mapLegacyMark, STATE_VERSION, type StageUpstreamContent } from '../src/managers/stagejob/index.js';
import { ilJob, modelObject } from './incremental-fake-gm.js';
import { tempDir } from './runner-helpers.js';

const at = (minute: number) => `2026-01-15T10:${String(minute).padStart(2, '0')}:00Z`;
const c = (stage: StageCondition['stage'], type: StageCondition['type'], minute: number): StageCondition => ({ stage, type, status: 'True', lastTransitionTime: at(minute) });
const ROUND = (from: number): StageCondition[] =>
  (['Train/Waiting', 'Train/Ready', 'Train/Starting', 'Train/Running', 'Train/Completed', 'Eval/Waiting', 'Eval/Ready', 'Eval/Starting', 'Eval/Running', 'Eval/Completed', 'Deploy/Waiting', 'Deploy/Ready', 'Deploy/Completed'] as const).map((s, i) => {
    const [stage, type] = s.split('/') as [StageCondition['stage'], StageCondition['type']];
    return c(stage, type, from + i);
  });
/** An old job's history (no status.round): two whole rounds, and round 3 at Eval/Waiting with no trained model. */
const history: StageCondition[] = [...ROUND(0), ...ROUND(13), c('Train', 'Waiting', 26), c('Train', 'Ready', 27), c('Train', 'Completed', 28), c('Eval', 'Waiting', 29)];
const oldMark = (index: number) => `${index + 1}:${history[index]!.stage}/${history[index]!.type}@${history[index]!.lastTransitionTime}`;

describe('job state marks of the old (condition-count) form', () => {
  it('map to the round, stage and phase of the condition they name', () => {
    const status = { conditions: history };
    expect(mapLegacyMark(oldMark(history.length - 1), status)).toBe('3:Eval/Waiting');
    expect(mapLegacyMark(oldMark(5), status)).toBe('1:Eval/Waiting'); // round 1's
    expect(mapLegacyMark(oldMark(13), status)).toBe('1:Train/Waiting'); // the Train/Waiting before round 2's Ready
    // A job whose GM already wrote round and a bounded history: the same condition, the same mark.
    expect(mapLegacyMark(oldMark(history.length - 1), { conditions: history.slice(-6), round: 3 })).toBe('3:Eval/Waiting');
    // A condition the job no longer has: nothing to map.
    expect(mapLegacyMark('3:Eval/Waiting@2020-01-01T00:00:00Z', status)).toBeUndefined();
  });

  describe('an IL manager loading them', () => {
    const cleanups: (() => unknown)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    /** The manager after an upgrade: the job at Eval/Waiting with its old history, `handled` as the old LC saved it. */
    async function upgradedLc(handled: Record<string, string>) {
      const root = tempDir('il-marks');
      cleanups.push(root.remove);
      mkdirSync(path.join(root.dir, 'models'), { recursive: true });
      const dataDir = path.join(root.dir, 'lc');
      const job = ilJob('demo', { dataset: 'incremental-dataset', outputDir: path.join(root.dir, 'output') });
      job.status.conditions = history;
      const store = new JobStateStore(path.join(dataDir, 'incrementallearning'));
      await store.save('default/demo', { version: STATE_VERSION, uid: job.metadata.uid, rounds: 3, ledger: emptyLedger(), handled });
      const sent: StageUpstreamContent[] = [];
      const il = new IncrementalLearningManager({ nodeName: 'edge-1', dataDir, roots: [root.dir], send: (_ns, _name, content) => sent.push(content), samples: () => [], warn: () => undefined });
      cleanups.push(() => il.close());
      for (const name of ['initial-model', 'deploy-model']) il.upsertModel(modelObject(name, path.join(root.dir, 'models', `${name}.txt`), 'txt'));
      expect(il.upsertJob(job)).toBe(true);
      await il.idle();
      return { sent, stateFile: store.fileOf('default/demo') };
    }

    it('do not repeat the current stage action, and are saved in the new form', async () => {
      const { sent, stateFile } = await upgradedLc({ train: oldMark(history.length - 3), eval: oldMark(history.length - 1) });
      expect(sent).toEqual([]);
      const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { handled: Record<string, string> };
      expect(saved.handled).toEqual({ train: '3:Train/Ready', eval: '3:Eval/Waiting' });
    });

    it('(without the mark, the same job takes its action: the eval stage of round 3 fails for want of a model)', async () => {
      const { sent } = await upgradedLc({ train: oldMark(history.length - 3) });
      expect(sent).toEqual([expect.objectContaining({ phase: 'eval', status: 'failed' })]);
    });
  });
});
