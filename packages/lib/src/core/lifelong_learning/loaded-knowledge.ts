/**
 * A knowledge base index opened for use: its tasks as the algorithms see them (a TaskCatalog with profiles and
 * cluster centres decoded), and the groups' models loaded on first use. The cloud evaluation, the update round and
 * the edge inference all work through this.
 */
import type { KnownTask, TaskCatalog } from '../../algorithms/lifelong/artifacts.js';
import type { SampleSet } from '../../algorithms/lifelong/sample-set.js';
import { base64ToFloats, decodeTaskProfile, type TaskProfile } from '../../algorithms/lifelong/task-profile.js';
import type { Storage } from '../../storage/storage.js';
import type { Estimator, Tensor } from '../estimator.js';
import { SEEN_TASK, type KbIndex, type KbTaskGroupRecord, type KbTaskRecord } from './kb-index.js';

export type EstimatorFactory = () => Estimator | Promise<Estimator>;

export interface OpenKnowledgeOptions {
  storage: Storage;
  /** Makes the estimators the groups' models are loaded into. */
  estimatorFactory: EstimatorFactory;
  /** Read the task profiles (default true; recognition and re-recognition by distance need them). */
  profiles?: boolean;
  /** Models already loaded, by group (the edge loads them while deploying). */
  preloaded?: ReadonlyMap<string, Estimator>;
}

export class LoadedKnowledge {
  private readonly estimators = new Map<string, Promise<Estimator>>();
  readonly catalog: TaskCatalog;

  private constructor(
    readonly index: KbIndex,
    tasks: KnownTask[],
    private readonly options: OpenKnowledgeOptions,
  ) {
    this.catalog = { extractor: index.seen_task.extractor, tasks, predict: (group, samples) => this.predict(group, samples) };
    for (const [group, estimator] of options.preloaded ?? []) this.estimators.set(group, Promise.resolve(estimator));
  }

  static async open(index: KbIndex, options: OpenKnowledgeOptions): Promise<LoadedKnowledge> {
    const tasks: KnownTask[] = [];
    const readProfiles = options.profiles ?? true;
    for (const group of index.seen_task.task_groups) {
      for (const task of group.tasks) {
        const profile = readProfiles && task.profile_url !== undefined ? await readProfile(task, options.storage) : undefined;
        tasks.push(knownTask(task, group, profile));
      }
    }
    return new LoadedKnowledge(index, tasks, options);
  }

  /** The seen task group named `entry`. */
  group(entry: string): KbTaskGroupRecord {
    const group = this.index.seen_task.task_groups.find((g) => g.entry === entry);
    if (group === undefined) throw new Error(`the knowledge base (index ${this.index.create_time}) has no ${SEEN_TASK} group "${entry}"`);
    return group;
  }

  /** The group of a task entry. */
  groupOfTask(task: string): string | undefined {
    return this.catalog.tasks.find((t) => t.entry === task)?.group;
  }

  /** The group's model, loaded once. */
  estimator(entry: string): Promise<Estimator> {
    let loaded = this.estimators.get(entry);
    if (loaded === undefined) {
      const group = this.group(entry);
      const url = (group.model as { url: string }).url;
      loaded = (async () => {
        const estimator = await this.options.estimatorFactory();
        try {
          await estimator.load(url);
        } catch (error) {
          throw new Error(`cannot load the model of task group "${entry}" from ${url}: ${(error as Error).message}`, { cause: error });
        }
        return estimator;
      })();
      loaded.catch(() => this.estimators.delete(entry));
      this.estimators.set(entry, loaded);
    }
    return loaded;
  }

  async predict(group: string, samples: SampleSet): Promise<Tensor> {
    return (await this.estimator(group)).predict(samples.features);
  }

  /** Frees the loaded models. */
  async dispose(): Promise<void> {
    const loaded = [...this.estimators.values()];
    this.estimators.clear();
    for (const promise of loaded) {
      try {
        (await promise).dispose?.();
      } catch {
        // a model that failed to load has nothing to free
      }
    }
  }
}

function knownTask(task: KbTaskRecord, group: KbTaskGroupRecord, profile: TaskProfile | undefined): KnownTask {
  return {
    entry: task.entry,
    group: group.entry,
    metaAttr: task.meta_attr,
    deployed: group.deploy,
    ...(profile ? { profile } : {}),
    ...(task.cluster_center !== undefined ? { clusterCenter: base64ToFloats(task.cluster_center, `task ${task.entry} cluster_center`) } : {}),
  };
}

async function readProfile(task: KbTaskRecord, storage: Storage): Promise<TaskProfile> {
  const url = task.profile_url as string;
  let text: string;
  try {
    text = await storage.readText(url);
  } catch (error) {
    throw new Error(`cannot read the profile of task "${task.entry}" from ${url}: ${(error as Error).message}`, { cause: error });
  }
  return decodeTaskProfile(text, url);
}
