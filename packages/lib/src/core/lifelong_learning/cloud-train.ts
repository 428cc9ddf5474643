/**
 * The cloud's learning rounds.
 *
 * Initial training (the original's train): the task definition cuts the samples into tasks, relationship discovery
 * groups them, each group with at least MIN_TRAIN_SAMPLE samples gets its own model, and smaller ("rare") groups
 * share one model trained on all samples, as the original did. Every task keeps its samples and a profile (what its
 * samples look like, for unseen sample recognition). The index is published to the output folder and the KB.
 *
 * Update (the original's update, when HAS_COMPLETED_INITIAL_TRAINING is true): the labelled samples are
 * re-recognized against the index at CLOUD_KB_INDEX (known task, or new), the task update decision says what to do,
 * and only the groups it names are trained again: a retrained group starts from its current model and learns its
 * stored samples plus the new ones (so it does not forget); a new task starts from the model of the known task it
 * is closest to (transfer) or from fresh weights; tasks too small to learn wait in the index's unseen_task section.
 * Groups nothing happened to keep their model: learning a new site cannot make the others worse.
 */
import type { Task, TaskGroup } from '../../algorithms/lifelong/artifacts.js';
import { groupSamples } from '../../algorithms/lifelong/artifacts.js';
import { SampleSet } from '../../algorithms/lifelong/sample-set.js';
import { buildTaskProfile, floatsToBase64 } from '../../algorithms/lifelong/task-profile.js';
import type { TaskUpdate } from '../../algorithms/lifelong/types.js';
import type { Estimator, Metrics } from '../estimator.js';
import { ArtifactStore, safeName, type PublishedIndex } from './artifact-store.js';
import {
  KB_INDEX_FORMAT,
  newCreateTime,
  parseKbIndex,
  SEEN_TASK,
  UNSEEN_TASK,
  type KbIndex,
  type KbModelRecord,
  type KbTaskGroupRecord,
  type KbTaskRecord,
  type TaskSectionName,
} from './kb-index.js';
import { LoadedKnowledge } from './loaded-knowledge.js';
import { trainGroupModel } from './model-training.js';
import type { LifelongParts } from './parts.js';
import { indexResult } from './reports.js';
import { decodeSampleSet } from './sample-files.js';

export interface LifelongTrainResult {
  index: KbIndex;
  published: PublishedIndex;
  /** Training metrics of the groups trained in this round. */
  trained: Record<string, Metrics>;
  /** What the update did (empty for the initial training). */
  updates: readonly TaskUpdate[];
}

/** Writes one round's artifacts; paths carry the round's version so earlier rounds' files stay valid. */
class RoundWriter {
  readonly store: ArtifactStore;
  readonly version: string;

  constructor(
    private readonly parts: LifelongParts,
    readonly createTime: string,
  ) {
    this.store = new ArtifactStore({ outputUrl: parts.settings.outputUrl, storage: parts.storage, ...(parts.kb ? { kb: parts.kb } : {}), log: parts.log });
    this.version = `v${createTime.replace('.', '')}`;
  }

  async model(estimator: Estimator, section: TaskSectionName, group: string, metrics: Metrics, trainSamples: number, transferFrom: string | null): Promise<KbModelRecord> {
    const url = await this.store.saveModel(estimator, `${section}/${safeName(group)}/${this.version}`);
    return { url, format: 'json', metrics: numericMetrics(metrics), train_samples: trainSamples, created_at: new Date().toISOString(), transfer_from: transferFrom };
  }

  async task(task: Task, section: TaskSectionName): Promise<KbTaskRecord> {
    const folder = `${section}/${safeName(task.entry)}/${this.version}`;
    const dataUrl = await this.store.saveSamples(task.samples, `${folder}/${task.samples.dataType}.samples.json`);
    const record: KbTaskRecord = {
      entry: task.entry,
      meta_attr: task.metaAttr,
      samples: { data_type: task.samples.dataType, data_url: dataUrl, sample_num: task.samples.size },
      ...(task.clusterCenter ? { cluster_center: floatsToBase64(task.clusterCenter) } : {}),
    };
    if (section !== SEEN_TASK || task.samples.size === 0) return record;
    const profile = buildTaskProfile(task.samples, this.parts.profileOptions);
    return { ...record, profile_url: await this.store.saveProfile(profile, `${folder}/profile.json`) };
  }
}

export async function trainKnowledge(parts: LifelongParts, trainData: SampleSet): Promise<LifelongTrainResult> {
  const { algorithms, settings, log } = parts;
  trainData.requireLabels('lifelong training');
  const writer = new RoundWriter(parts, newCreateTime());
  const { tasks, extractor } = algorithms.taskDefinition.define(trainData);
  if (tasks.length === 0) throw new Error(`${algorithms.taskDefinition.name} defined no task from ${trainData.size} samples`);
  const groups = algorithms.taskRelationshipDiscovery.discover(tasks);
  log(`${tasks.length} tasks in ${groups.length} groups: ${groups.map((g) => `${g.entry} (${g.tasks.reduce((n, t) => n + t.samples.size, 0)})`).join(', ')}`);

  const trained: Record<string, Metrics> = {};
  const rare = groups.filter((g) => groupSize(g) < settings.minTrainSamples);
  let shared: KbModelRecord | undefined;
  if (rare.length > 0) {
    // As the original: groups too small for a model of their own share one trained on every sample.
    log(`groups with fewer than ${settings.minTrainSamples} samples share a model trained on all samples: ${rare.map((g) => g.entry).join(', ')}`);
    const { estimator, metrics } = await trainGroupModel(trainData, { factory: parts.seenEstimator, trainOptions: parts.trainOptions });
    shared = await writer.model(estimator, SEEN_TASK, '_global', metrics, trainData.size, null);
    estimator.dispose?.();
    trained['_global'] = metrics;
  }
  const records: KbTaskGroupRecord[] = [];
  for (const group of groups) {
    let model = rare.includes(group) ? (shared as KbModelRecord) : undefined;
    if (model === undefined) {
      const samples = groupSamples(group);
      const { estimator, metrics } = await trainGroupModel(samples, { factory: parts.seenEstimator, trainOptions: parts.trainOptions });
      model = await writer.model(estimator, SEEN_TASK, group.entry, metrics, samples.size, null);
      estimator.dispose?.();
      trained[group.entry] = metrics;
      log(`group ${group.entry}: trained on ${samples.size} samples (${describeMetrics(metrics)})`);
    }
    records.push(await groupRecord(writer, group, model));
  }
  const index: KbIndex = {
    format: KB_INDEX_FORMAT,
    create_time: writer.createTime,
    classes: classNames(parts, [trainData]),
    statistics: { labeled_unseen_samples: 0, unseen_samples: 0 },
    seen_task: { extractor, task_groups: records },
    unseen_task: { extractor: null, task_groups: [] },
  };
  return finishRound(parts, writer, index, trained, []);
}

export async function updateKnowledge(parts: LifelongParts, trainData: SampleSet): Promise<LifelongTrainResult> {
  const { algorithms, settings, storage, log } = parts;
  trainData.requireLabels('a lifelong update');
  const previousUrl = settings.cloudKbIndex;
  if (previousUrl === undefined) throw new Error('an update round (HAS_COMPLETED_INITIAL_TRAINING=true) needs CLOUD_KB_INDEX, the knowledge base index to update');
  const previous = parseKbIndex(await readText(parts, previousUrl, 'the knowledge base index (CLOUD_KB_INDEX)'), previousUrl);
  const writer = new RoundWriter(parts, newCreateTime(previous.create_time));
  const knowledge = await LoadedKnowledge.open(previous, { storage, estimatorFactory: parts.seenEstimator });

  const pending = await Promise.all(previous.unseen_task.task_groups.flatMap((g) => g.tasks.map((t) => loadTask(parts, t))));
  const pendingIds = new Set(pending.flatMap((t) => t.samples.ids));
  const split = await algorithms.unseenSampleReRecognition.split(trainData, knowledge.catalog);
  const seen = new Map([...split.seen].map(([task, indices]) => [task, trainData.subset(indices)]));
  const unseen = trainData.subset(split.unseen.filter((i) => !pendingIds.has(trainData.ids[i] as string)));
  log(`update of index ${previous.create_time}: ${trainData.size} labelled samples, ${[...seen.values()].reduce((n, s) => n + s.size, 0)} of known tasks, ${unseen.size} new unseen, ${pendingIds.size} waiting from earlier updates`);
  const updates = algorithms.taskUpdateDecision.decide(
    { seen, unseen },
    { catalog: knowledge.catalog, defineTasks: (samples) => algorithms.taskDefinition.define(samples), pending, minTrainSamples: settings.minTrainSamples },
  );

  const groups = new Map(previous.seen_task.task_groups.map((g) => [g.entry, g]));
  const trained: Record<string, Metrics> = {};
  const unseenGroups: KbTaskGroupRecord[] = [];
  const applied: TaskUpdate[] = [];
  // Retrains are done per group, once: several tasks of one group may have new samples.
  const retrains = new Map<string, Map<string, SampleSet>>();
  for (const update of updates) {
    if (update.kind !== 'retrain') continue;
    const group = knowledge.groupOfTask(update.task);
    if (group === undefined) throw new Error(`the update decision retrains task "${update.task}", which the knowledge base does not have`);
    const byTask = retrains.get(group) ?? new Map<string, SampleSet>();
    const earlier = byTask.get(update.task);
    byTask.set(update.task, earlier === undefined ? update.newSamples : SampleSet.concat([earlier, update.newSamples]));
    retrains.set(group, byTask);
  }
  for (const [group, newSamples] of retrains) {
    const result = await retrainGroup(parts, writer, knowledge, group, newSamples);
    if (result === undefined) continue;
    groups.set(group, result.record);
    trained[group] = result.metrics;
    applied.push(...updates.filter((u) => u.kind === 'retrain' && newSamples.has(u.task)));
  }
  for (const update of updates) {
    if (update.kind === 'retrain') continue;
    if (update.kind === 'new-task') {
      const group = algorithms.taskRelationshipDiscovery.discover([update.task])[0] as TaskGroup;
      if (groups.has(group.entry)) throw new Error(`the update made a new task group "${group.entry}", but the knowledge base already has one of that name`);
      const from = update.transferFrom === null ? undefined : knowledge.groupOfTask(update.transferFrom);
      const startFrom = from === undefined ? undefined : knowledge.group(from).model?.url;
      const samples = groupSamples(group);
      const { estimator, metrics } = await trainGroupModel(samples, { factory: parts.seenEstimator, trainOptions: parts.trainOptions, ...(startFrom ? { startFrom } : {}) });
      const model = await writer.model(estimator, SEEN_TASK, group.entry, metrics, samples.size, startFrom ? (update.transferFrom as string) : null);
      estimator.dispose?.();
      groups.set(group.entry, await groupRecord(writer, group, model));
      trained[group.entry] = metrics;
      applied.push(update);
      log(`new task ${update.task.entry}: learned from ${samples.size} samples${startFrom ? `, starting from ${update.transferFrom}'s model` : ''} (${describeMetrics(metrics)})`);
    } else {
      unseenGroups.push({ entry: update.task.entry, tasks: [await writer.task(update.task, UNSEEN_TASK)], relations: [], model: null, deploy: false });
      applied.push(update);
      log(`unseen task ${update.task.entry}: ${update.task.samples.size} samples kept until there are ${settings.minTrainSamples}`);
    }
  }
  await knowledge.dispose();
  const index: KbIndex = {
    format: KB_INDEX_FORMAT,
    create_time: writer.createTime,
    classes: mergeClasses(previous.classes, classNames(parts, [trainData])),
    statistics: {
      labeled_unseen_samples: previous.statistics.labeled_unseen_samples + unseen.size,
      unseen_samples: unseenGroups.reduce((n, g) => n + g.tasks.reduce((m, t) => m + t.samples.sample_num, 0), 0),
    },
    seen_task: { extractor: previous.seen_task.extractor ?? algorithms.taskDefinition.define(trainData.empty()).extractor, task_groups: [...groups.values()] },
    unseen_task: { extractor: previous.unseen_task.extractor, task_groups: unseenGroups },
  };
  return finishRound(parts, writer, index, trained, applied);
}

/**
 * Retrains a group on its tasks' stored samples plus the new ones not stored yet (`newSamples` by task), starting
 * from its current model; undefined when none of the samples are new.
 */
async function retrainGroup(parts: LifelongParts, writer: RoundWriter, knowledge: LoadedKnowledge, groupEntry: string, newSamples: ReadonlyMap<string, SampleSet>): Promise<{ record: KbTaskGroupRecord; metrics: Metrics } | undefined> {
  const record = knowledge.group(groupEntry);
  const stored = await Promise.all(record.tasks.map((t) => loadTask(parts, t)));
  const storedIds = new Set(stored.flatMap((t) => t.samples.ids));
  let added = 0;
  const tasks: Task[] = stored.map((t) => {
    const candidates = newSamples.get(t.entry);
    if (candidates === undefined) return t;
    const seenIds = new Set(storedIds);
    const fresh = candidates.ids.flatMap((id, i) => (seenIds.has(id) ? [] : (seenIds.add(id), [i])));
    added += fresh.length;
    return fresh.length === 0 ? t : { ...t, samples: SampleSet.concat([t.samples, candidates.subset(fresh, t.samples.dataType)]) };
  });
  if (added === 0) {
    parts.log(`group ${groupEntry}: the labelled samples are already in the knowledge base; nothing to retrain`);
    return undefined;
  }
  const group: TaskGroup = { entry: groupEntry, tasks, relations: record.relations.map((r) => ({ task: r.task, transferRatio: r.transfer_ratio })) };
  const samples = groupSamples(group);
  const { estimator, metrics } = await trainGroupModel(samples, { factory: parts.seenEstimator, trainOptions: parts.trainOptions, startFrom: (record.model as KbModelRecord).url });
  const model = await writer.model(estimator, SEEN_TASK, groupEntry, metrics, samples.size, null);
  estimator.dispose?.();
  parts.log(`group ${groupEntry}: retrained with ${added} new samples of ${[...newSamples.keys()].join(', ')} (${samples.size} in all; ${describeMetrics(metrics)})`);
  return { record: { ...(await groupRecord(writer, group, model)), deploy: record.deploy }, metrics };
}

async function groupRecord(writer: RoundWriter, group: TaskGroup, model: KbModelRecord): Promise<KbTaskGroupRecord> {
  const tasks: KbTaskRecord[] = [];
  for (const task of group.tasks) tasks.push(await writer.task(task, SEEN_TASK));
  return { entry: group.entry, tasks, relations: group.relations.map((r) => ({ task: r.task, transfer_ratio: r.transferRatio })), model, deploy: true };
}

async function finishRound(parts: LifelongParts, writer: RoundWriter, index: KbIndex, trained: Record<string, Metrics>, updates: TaskUpdate[]): Promise<LifelongTrainResult> {
  const published = await writer.store.publishIndex(index);
  parts.log(`knowledge base index ${index.create_time} written to ${published.indexUrl}${published.kbIndexUrl ? ` and recorded by the KB (${published.kbIndexUrl})` : ''}`);
  const groupMetrics: Record<string, Record<string, number>> = {};
  for (const group of index.seen_task.task_groups) {
    const model = group.model as KbModelRecord;
    groupMetrics[group.entry] = { ...model.metrics, samples: model.train_samples };
  }
  const values = Object.values(trained).map((m) => m['accuracy']).filter((v): v is number => typeof v === 'number');
  const overall: Record<string, number> = values.length > 0 ? { accuracy: values.reduce((a, b) => a + b, 0) / values.length } : {};
  await parts.reporter.report('train', 'completed', [indexResult(index, published.indexUrl, overall, groupMetrics)]);
  return { index, published, trained, updates };
}

/** A stored task with its samples read back. */
async function loadTask(parts: LifelongParts, record: KbTaskRecord): Promise<Task> {
  const url = record.samples.data_url;
  const samples = decodeSampleSet(await readText(parts, url, `the samples of task "${record.entry}"`), url);
  return { entry: record.entry, metaAttr: record.meta_attr, samples };
}

export async function readText(parts: Pick<LifelongParts, 'storage'>, url: string, what: string): Promise<string> {
  try {
    return await parts.storage.readText(url);
  } catch (error) {
    throw new Error(`cannot read ${what} at ${url}: ${(error as Error).message}`, { cause: error });
  }
}

function groupSize(group: TaskGroup): number {
  return group.tasks.reduce((n, t) => n + t.samples.size, 0);
}

/** Training figures that describe the model (the estimators' timing and counts are left out of the index). */
const NOT_MODEL_METRICS = new Set(['seconds', 'samplesPerSecond', 'epochs', 'samples']);

function numericMetrics(metrics: Metrics): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([k, v]) => typeof v === 'number' && Number.isFinite(v) && !NOT_MODEL_METRICS.has(k)));
}

function describeMetrics(metrics: Metrics): string {
  return ['loss', 'accuracy']
    .filter((k) => typeof metrics[k] === 'number')
    .map((k) => `${k} ${(metrics[k] as number).toFixed(4)}`)
    .join(', ');
}

/** Class names: the job's, else the label numbers present. */
function classNames(parts: LifelongParts, sets: readonly SampleSet[]): string[] {
  if (parts.classes !== undefined) return [...parts.classes];
  const labels = new Set<number>();
  for (const set of sets) for (const label of set.labels ?? []) labels.add(label);
  return [...labels].sort((a, b) => a - b).map(String);
}

function mergeClasses(a: readonly string[], b: readonly string[]): string[] {
  const merged = [...a];
  for (const name of b) if (!merged.includes(name)) merged.push(name);
  return merged.every((n) => /^\d+$/.test(n)) ? merged.sort((x, y) => Number(x) - Number(y)) : merged;
}
