/**
 * The knowledge base's SQLite tables, with the original's names and columns (lib-api part B §8.9): task groups,
 * tasks, the models of each group, task-group relations, sample sets, and the links from tasks to sample sets.
 *
 * Differences from the original, on purpose:
 * - An index upload sets the groups' sample and task counts; the original added to them on every upload, so counts
 *   grew with each update of the same tasks.
 * - A group keeps every model it had; the one in the latest index is `is_current` (the original always wrote false).
 * - A sample set is one row per (task, data_url); uploading the same index twice does not duplicate it.
 * - `update/status` changes are committed (the original never committed them).
 */
import Database from 'better-sqlite3';

import { allGroups, UNSEEN_TASK, type KbIndex } from '../kb-index.js';
import { ownerOnlyDatabaseFile } from '@sedna/api/guard';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ll_task_grp (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name VARCHAR(100) NOT NULL UNIQUE,
  deploy BOOLEAN NOT NULL DEFAULT 0,
  sample_num INTEGER NOT NULL DEFAULT 0,
  task_num INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS ix_ll_task_grp_id ON ll_task_grp (id);
CREATE TABLE IF NOT EXISTS ll_tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name VARCHAR(100) NOT NULL UNIQUE,
  task_attr TEXT NOT NULL DEFAULT '{}',
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS ll_task_models (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task_id INTEGER NOT NULL REFERENCES ll_task_grp (id),
  model_url TEXT NOT NULL DEFAULT '',
  is_current BOOLEAN NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS ix_ll_task_models_task_id ON ll_task_models (task_id);
CREATE TABLE IF NOT EXISTS ll_task_relation (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  grp_id INTEGER NOT NULL REFERENCES ll_task_grp (id),
  task_id INTEGER NOT NULL REFERENCES ll_tasks (id),
  transfer_radio FLOAT NOT NULL DEFAULT 0.0
);
CREATE TABLE IF NOT EXISTS ll_samples (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  data_url TEXT NOT NULL DEFAULT '',
  descr TEXT NOT NULL DEFAULT '',
  data_type SMALLINT NOT NULL DEFAULT 0,
  updated_at DATETIME,
  sample_num INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS ix_ll_samples_data_type ON ll_samples (data_type);
CREATE TABLE IF NOT EXISTS ll_task_sample (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sample_id INTEGER NOT NULL REFERENCES ll_samples (id),
  task_id INTEGER NOT NULL REFERENCES ll_tasks (id)
);
`;

/** ll_samples.data_type: 0 train, 1 evaluation, 2 hard (here: labelled unseen samples not learned yet). */
export const SAMPLE_DATA_TYPES = { train: 0, eval: 1, hard: 2 } as const;

export interface KbGroupContents {
  name: string;
  deploy: boolean;
  sample_num: number;
  task_num: number;
  models: { model_url: string; is_current: boolean; created_at: string }[];
  tasks: {
    name: string;
    task_attr: Record<string, string>;
    transfer_ratio: number;
    samples: { data_url: string; data_type: number; sample_num: number; updated_at: string | null }[];
  }[];
}

export class KnowledgeBaseDatabase {
  private readonly db: Database.Database;

  /** `file` is a path, or ':memory:'. */
  constructor(file: string) {
    // Owner-only before SQLite opens it: its WAL and shared-memory files take the same mode.
    ownerOnlyDatabaseFile(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  /** Records an uploaded index: every group, task, model, relation and sample set, in one transaction. */
  applyIndex(index: KbIndex): void {
    const upsertGroup = this.db.prepare(
      `INSERT INTO ll_task_grp (name, deploy, sample_num, task_num) VALUES (@name, @deploy, @sample_num, @task_num)
       ON CONFLICT (name) DO UPDATE SET deploy = excluded.deploy, sample_num = excluded.sample_num, task_num = excluded.task_num
       RETURNING id`,
    );
    const upsertTask = this.db.prepare(
      `INSERT INTO ll_tasks (name, task_attr) VALUES (@name, @task_attr)
       ON CONFLICT (name) DO UPDATE SET task_attr = excluded.task_attr, updated_at = CURRENT_TIMESTAMP
       RETURNING id`,
    );
    const findSample = this.db.prepare(
      `SELECT s.id FROM ll_samples s JOIN ll_task_sample ts ON ts.sample_id = s.id WHERE ts.task_id = ? AND s.data_url = ?`,
    );
    const updateSample = this.db.prepare(`UPDATE ll_samples SET sample_num = ?, data_type = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?`);
    const insertSample = this.db.prepare(
      `INSERT INTO ll_samples (data_url, descr, data_type, updated_at, sample_num) VALUES (?, ?, ?, CURRENT_TIMESTAMP, ?) RETURNING id`,
    );
    const linkSample = this.db.prepare(`INSERT INTO ll_task_sample (sample_id, task_id) VALUES (?, ?)`);
    const clearRelations = this.db.prepare(`DELETE FROM ll_task_relation WHERE grp_id = ? OR task_id IN (SELECT value FROM json_each(?))`);
    const insertRelation = this.db.prepare(`INSERT INTO ll_task_relation (grp_id, task_id, transfer_radio) VALUES (?, ?, ?)`);
    const findModel = this.db.prepare(`SELECT id FROM ll_task_models WHERE task_id = ? AND model_url = ?`);
    const insertModel = this.db.prepare(`INSERT INTO ll_task_models (task_id, model_url, is_current) VALUES (?, ?, 0)`);
    const markCurrent = this.db.prepare(`UPDATE ll_task_models SET is_current = (model_url = ?) WHERE task_id = ?`);

    this.db.transaction(() => {
      for (const { section, group } of allGroups(index)) {
        const sampleNum = group.tasks.reduce((n, t) => n + t.samples.sample_num, 0);
        const grp = upsertGroup.get({ name: group.entry, deploy: section === UNSEEN_TASK ? 0 : group.deploy ? 1 : 0, sample_num: sampleNum, task_num: group.tasks.length }) as { id: number };
        const taskIds = new Map<string, number>();
        for (const task of group.tasks) {
          const row = upsertTask.get({ name: task.entry, task_attr: JSON.stringify(task.meta_attr) }) as { id: number };
          taskIds.set(task.entry, row.id);
          const dataType = section === UNSEEN_TASK ? SAMPLE_DATA_TYPES.hard : task.samples.data_type === 'eval' ? SAMPLE_DATA_TYPES.eval : SAMPLE_DATA_TYPES.train;
          const existing = findSample.get(row.id, task.samples.data_url) as { id: number } | undefined;
          if (existing) updateSample.run(task.samples.sample_num, dataType, existing.id);
          else {
            const sample = insertSample.get(task.samples.data_url, `samples of task ${task.entry}`, dataType, task.samples.sample_num) as { id: number };
            linkSample.run(sample.id, row.id);
          }
        }
        // A task belongs to one group: its earlier relations (to this or another group) are replaced.
        clearRelations.run(grp.id, JSON.stringify([...taskIds.values()]));
        const ratios = new Map(group.relations.map((r) => [r.task, r.transfer_ratio]));
        for (const [entry, taskId] of taskIds) insertRelation.run(grp.id, taskId, ratios.get(entry) ?? 1 / group.tasks.length);
        if (group.model !== null) {
          if (findModel.get(grp.id, group.model.url) === undefined) insertModel.run(grp.id, group.model.url);
          markCurrent.run(group.model.url, grp.id);
        }
      }
    })();
  }

  /** Sets `deploy` of the named groups; returns the names that were not found. */
  setDeploy(groups: readonly string[], deploy: boolean): string[] {
    const update = this.db.prepare(`UPDATE ll_task_grp SET deploy = ? WHERE name = ?`);
    const missing: string[] = [];
    this.db.transaction(() => {
      for (const name of groups) if (update.run(deploy ? 1 : 0, name).changes === 0) missing.push(name);
    })();
    return missing;
  }

  /** Everything the knowledge base holds, by group (the groups named in `only`, when given). */
  contents(only?: readonly string[]): KbGroupContents[] {
    const groups = this.db.prepare(`SELECT id, name, deploy, sample_num, task_num FROM ll_task_grp ORDER BY name`).all() as { id: number; name: string; deploy: number; sample_num: number; task_num: number }[];
    const models = this.db.prepare(`SELECT model_url, is_current, created_at FROM ll_task_models WHERE task_id = ? ORDER BY id`);
    const tasks = this.db.prepare(
      `SELECT t.id, t.name, t.task_attr, r.transfer_radio FROM ll_task_relation r JOIN ll_tasks t ON t.id = r.task_id WHERE r.grp_id = ? ORDER BY t.name`,
    );
    const samples = this.db.prepare(
      `SELECT s.data_url, s.data_type, s.sample_num, s.updated_at FROM ll_samples s JOIN ll_task_sample ts ON ts.sample_id = s.id WHERE ts.task_id = ? ORDER BY s.id`,
    );
    const wanted = only === undefined ? undefined : new Set(only);
    return groups
      .filter((g) => wanted === undefined || wanted.has(g.name))
      .map((g) => ({
        name: g.name,
        deploy: g.deploy === 1,
        sample_num: g.sample_num,
        task_num: g.task_num,
        models: (models.all(g.id) as { model_url: string; is_current: number; created_at: string }[]).map((m) => ({ ...m, is_current: m.is_current === 1 })),
        tasks: (tasks.all(g.id) as { id: number; name: string; task_attr: string; transfer_radio: number }[]).map((t) => ({
          name: t.name,
          task_attr: parseAttr(t.task_attr),
          transfer_ratio: t.transfer_radio,
          samples: samples.all(t.id) as { data_url: string; data_type: number; sample_num: number; updated_at: string | null }[],
        })),
      }));
  }

  /** Row counts per table (for tests and the example's printout). */
  tableCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const table of ['ll_task_grp', 'll_tasks', 'll_task_models', 'll_task_relation', 'll_samples', 'll_task_sample']) {
      out[table] = (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    }
    return out;
  }
}

function parseAttr(text: string): Record<string, string> {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, string>) : {};
  } catch {
    return {};
  }
}
