/**
 * The knowledge base index: what the cloud learned, what the KB server records and what the edge deploys. The
 * original pickled Task/TaskGroup objects into `index.pkl` with joblib (Python only); this is the same tree as JSON,
 * with models, sample sets and task profiles as URLs of their own files:
 *
 *   { format, create_time, classes, statistics,
 *     seen_task:   { extractor, task_groups: [ { entry, deploy, model, relations, tasks: [ { entry, meta_attr,
 *                                                                                             samples, profile_url } ] } ] },
 *     unseen_task: { extractor, task_groups: [ ...labelled unseen tasks still too small to learn, model null ] } }
 *
 * `create_time` changes whenever the index does; the edge redeploys when it sees a new one (the original's
 * ModelHotUpdateThread compared the same field).
 */
import { parseTaskExtractor, type TaskExtractor } from '../../algorithms/lifelong/artifacts.js';
import { DATA_SOURCE_TYPES, type DataSourceType } from '../../datasources/base.js';
import { DEFAULT_MAX_DEPTH, jsonDepth } from '@sedna/api/guard';

export const KB_INDEX_NAME = 'index.json';
export const KB_INDEX_FORMAT = 'sedna-kb-index/v1';
export const SEEN_TASK = 'seen_task';
export const UNSEEN_TASK = 'unseen_task';
export type TaskSectionName = typeof SEEN_TASK | typeof UNSEEN_TASK;

export interface KbSamplesRecord {
  readonly data_type: DataSourceType;
  /** The sample file (see sample-files.ts). */
  readonly data_url: string;
  readonly sample_num: number;
}

export interface KbModelRecord {
  /** The model (a model.json URL for the tfjs/mlp estimators). */
  readonly url: string;
  readonly format: string;
  /** Training metrics, then the evaluation's under `eval_<name>`. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly train_samples: number;
  readonly created_at: string;
  /** The task whose model this one started from, when it was learned by transfer. */
  readonly transfer_from: string | null;
}

export interface KbTaskRecord {
  readonly entry: string;
  readonly meta_attr: Readonly<Record<string, string>>;
  readonly samples: KbSamplesRecord;
  /** The task profile file, for distance-based recognition (absent in indexes written without profiles). */
  readonly profile_url?: string;
  /** Cluster centre of tasks defined by clustering, base64 float32. */
  readonly cluster_center?: string;
}

export interface KbRelationRecord {
  readonly task: string;
  readonly transfer_ratio: number;
}

export interface KbTaskGroupRecord {
  readonly entry: string;
  readonly tasks: readonly KbTaskRecord[];
  readonly relations: readonly KbRelationRecord[];
  /** null for unseen tasks waiting for samples. */
  readonly model: KbModelRecord | null;
  /** Whether the edge serves this group's model (the evaluation decides; the KB's ll_task_grp.deploy). */
  readonly deploy: boolean;
}

export interface KbTaskSection {
  readonly extractor: TaskExtractor | null;
  readonly task_groups: readonly KbTaskGroupRecord[];
}

export interface KbStatistics {
  /** Labelled unseen samples learned or kept by updates so far. */
  readonly labeled_unseen_samples: number;
  /** Samples held as unseen tasks, waiting to be learned. */
  readonly unseen_samples: number;
}

export interface KbIndex {
  readonly format: typeof KB_INDEX_FORMAT;
  /** Seconds since the epoch as text, as the original's str(time.time()). */
  readonly create_time: string;
  /** Class names of the labels, when the job gave them. */
  readonly classes: readonly string[];
  readonly statistics: KbStatistics;
  readonly seen_task: KbTaskSection;
  readonly unseen_task: KbTaskSection;
}

/** A create_time for now; strictly after `previous` when given, so every new index has a new version. */
export function newCreateTime(previous?: string): string {
  let seconds = Date.now() / 1000;
  const last = previous === undefined ? NaN : Number(previous);
  if (Number.isFinite(last) && seconds <= last) seconds = last + 0.001;
  return seconds.toFixed(3);
}

export class KbIndexError extends Error {
  override name = 'KbIndexError';
}

/** Reads and checks an index (text or parsed JSON); every error names `where` and the field. */
export function parseKbIndex(input: string | unknown, where: string): KbIndex {
  let raw: unknown = input;
  if (typeof input === 'string') {
    // Depth-checked first: the index is walked recursively below, and a client uploads it.
    const depth = jsonDepth(input);
    if (depth > DEFAULT_MAX_DEPTH) throw new KbIndexError(`${where} is not a knowledge base index: nested ${depth} levels deep (at most ${DEFAULT_MAX_DEPTH})`);
    try {
      raw = JSON.parse(input);
    } catch (error) {
      throw new KbIndexError(`${where} is not a knowledge base index: invalid JSON (${(error as Error).message})`, { cause: error });
    }
  }
  const fail = (field: string, problem: string): never => {
    throw new KbIndexError(`${where}: ${field} ${problem}`);
  };
  const index = asObject(raw) ?? fail('the index', 'must be a JSON object');
  if (index['format'] !== KB_INDEX_FORMAT) fail('format', `must be "${KB_INDEX_FORMAT}" (got ${JSON.stringify(index['format'])}; pickled index.pkl files of the Python lib cannot be read)`);
  const createTime = index['create_time'];
  if (typeof createTime !== 'string' || !Number.isFinite(Number(createTime))) fail('create_time', 'must be a number of seconds as text');
  const classes = index['classes'] ?? [];
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string')) fail('classes', 'must be a list of names');
  const stats = asObject(index['statistics'] ?? {}) ?? fail('statistics', 'must be an object');
  const count = (value: unknown, field: string): number => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fail(field, 'must be a non-negative integer'));
  const statistics: KbStatistics = {
    labeled_unseen_samples: count(stats['labeled_unseen_samples'] ?? 0, 'statistics.labeled_unseen_samples'),
    unseen_samples: count(stats['unseen_samples'] ?? 0, 'statistics.unseen_samples'),
  };
  const seen = parseSection(index[SEEN_TASK], SEEN_TASK, where, true);
  const unseen = parseSection(index[UNSEEN_TASK] ?? { extractor: null, task_groups: [] }, UNSEEN_TASK, where, false);
  const entries = new Set<string>();
  for (const group of [...seen.task_groups, ...unseen.task_groups]) {
    for (const task of group.tasks) {
      if (entries.has(task.entry)) fail(`task "${task.entry}"`, 'appears twice; task entries must be unique across the index');
      entries.add(task.entry);
    }
  }
  return { format: KB_INDEX_FORMAT, create_time: createTime as string, classes: classes as string[], statistics, seen_task: seen, unseen_task: unseen };
}

function parseSection(value: unknown, name: TaskSectionName, where: string, modelsRequired: boolean): KbTaskSection {
  const fail = (field: string, problem: string): never => {
    throw new KbIndexError(`${where}: ${field} ${problem}`);
  };
  const section = asObject(value) ?? fail(name, 'must be an object with extractor and task_groups');
  const extractor = section['extractor'] === null || section['extractor'] === undefined ? null : parseTaskExtractor(section['extractor'], `${where}: ${name}.extractor`);
  const groups = section['task_groups'];
  if (!Array.isArray(groups)) fail(`${name}.task_groups`, 'must be a list');
  const names = new Set<string>();
  const taskGroups = (groups as unknown[]).map((g, gi): KbTaskGroupRecord => {
    const at = `${name}.task_groups[${gi}]`;
    const group = asObject(g) ?? fail(at, 'must be an object');
    const entry = nonEmptyString(group['entry']) ?? fail(`${at}.entry`, 'must be a non-empty string');
    if (names.has(entry)) fail(`${at}.entry`, `"${entry}" is used by two groups`);
    names.add(entry);
    const tasks = group['tasks'];
    if (!Array.isArray(tasks) || tasks.length === 0) fail(`${at}.tasks`, 'must be a non-empty list');
    const relations = group['relations'] ?? [];
    if (!Array.isArray(relations)) fail(`${at}.relations`, 'must be a list');
    const model = group['model'] === null || group['model'] === undefined ? null : parseModel(group['model'], `${at}.model`, fail);
    if (modelsRequired && model === null) fail(`${at}.model`, 'is required for a seen task group');
    if (typeof (group['deploy'] ?? true) !== 'boolean') fail(`${at}.deploy`, 'must be true or false');
    return {
      entry,
      tasks: (tasks as unknown[]).map((t, ti) => parseTask(t, `${at}.tasks[${ti}]`, fail)),
      relations: (relations as unknown[]).map((r, ri) => {
        const relation = asObject(r) ?? fail(`${at}.relations[${ri}]`, 'must be an object');
        const task = nonEmptyString(relation['task']) ?? fail(`${at}.relations[${ri}].task`, 'must be a task entry');
        const ratio = relation['transfer_ratio'];
        if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1)) fail(`${at}.relations[${ri}].transfer_ratio`, 'must be a number in [0, 1]');
        return { task, transfer_ratio: ratio as number };
      }),
      model,
      deploy: (group['deploy'] ?? true) as boolean,
    };
  });
  return { extractor, task_groups: taskGroups };
}

function parseModel(value: unknown, at: string, fail: (field: string, problem: string) => never): KbModelRecord {
  const model = asObject(value) ?? fail(at, 'must be an object');
  const metrics = asObject(model['metrics'] ?? {}) ?? fail(`${at}.metrics`, 'must be an object of numbers');
  for (const [key, v] of Object.entries(metrics)) if (typeof v !== 'number') fail(`${at}.metrics.${key}`, 'must be a number');
  const trainSamples = model['train_samples'] ?? 0;
  if (typeof trainSamples !== 'number' || !Number.isInteger(trainSamples) || trainSamples < 0) fail(`${at}.train_samples`, 'must be a non-negative integer');
  const transferFrom = model['transfer_from'] ?? null;
  if (transferFrom !== null && typeof transferFrom !== 'string') fail(`${at}.transfer_from`, 'must be a task entry or null');
  return {
    url: nonEmptyString(model['url']) ?? fail(`${at}.url`, 'must be a non-empty string'),
    format: typeof model['format'] === 'string' ? model['format'] : 'json',
    metrics: metrics as Record<string, number>,
    train_samples: trainSamples as number,
    created_at: typeof model['created_at'] === 'string' ? model['created_at'] : '',
    transfer_from: transferFrom as string | null,
  };
}

function parseTask(value: unknown, at: string, fail: (field: string, problem: string) => never): KbTaskRecord {
  const task = asObject(value) ?? fail(at, 'must be an object');
  const entry = nonEmptyString(task['entry']) ?? fail(`${at}.entry`, 'must be a non-empty string');
  const metaAttr = asObject(task['meta_attr'] ?? {}) ?? fail(`${at}.meta_attr`, 'must be an object of text values');
  for (const [key, v] of Object.entries(metaAttr)) if (typeof v !== 'string') fail(`${at}.meta_attr.${key}`, 'must be text');
  const samples = asObject(task['samples']) ?? fail(`${at}.samples`, 'must be an object with data_type, data_url and sample_num');
  const dataType = samples['data_type'];
  if (typeof dataType !== 'string' || !(DATA_SOURCE_TYPES as readonly string[]).includes(dataType)) fail(`${at}.samples.data_type`, `must be one of ${DATA_SOURCE_TYPES.join(', ')}`);
  const sampleNum = samples['sample_num'];
  if (typeof sampleNum !== 'number' || !Number.isInteger(sampleNum) || sampleNum < 0) fail(`${at}.samples.sample_num`, 'must be a non-negative integer');
  const profileUrl = task['profile_url'];
  if (profileUrl !== undefined && nonEmptyString(profileUrl) === undefined) fail(`${at}.profile_url`, 'must be a non-empty string when present');
  const center = task['cluster_center'];
  if (center !== undefined && typeof center !== 'string') fail(`${at}.cluster_center`, 'must be base64 text when present');
  return {
    entry,
    meta_attr: metaAttr as Record<string, string>,
    samples: {
      data_type: dataType as DataSourceType,
      data_url: nonEmptyString(samples['data_url']) ?? fail(`${at}.samples.data_url`, 'must be a non-empty string'),
      sample_num: sampleNum as number,
    },
    ...(profileUrl !== undefined ? { profile_url: profileUrl as string } : {}),
    ...(center !== undefined ? { cluster_center: center as string } : {}),
  };
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Every group of the index with the section it is in. */
export function allGroups(index: KbIndex): { section: TaskSectionName; group: KbTaskGroupRecord }[] {
  return [
    ...index.seen_task.task_groups.map((group) => ({ section: SEEN_TASK as TaskSectionName, group })),
    ...index.unseen_task.task_groups.map((group) => ({ section: UNSEEN_TASK as TaskSectionName, group })),
  ];
}

/** The index with the named seen groups deployed (status 1) or withdrawn (status 0), and a new create_time. */
export function withDeployStatus(index: KbIndex, groups: readonly string[], deploy: boolean): KbIndex {
  const names = new Set(groups);
  return {
    ...index,
    create_time: newCreateTime(index.create_time),
    seen_task: { ...index.seen_task, task_groups: index.seen_task.task_groups.map((g) => (names.has(g.entry) ? { ...g, deploy } : g)) },
  };
}
