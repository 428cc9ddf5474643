/**
 * The edge's knowledge base (the original EdgeKnowledgeManagement): the index at MODEL_URLS deployed locally, and
 * kept current.
 *
 * Deploying reads the index, loads the model of every deployed group and saves a copy under the edge folder
 * (edge_output_url, default /var/lib/sedna/kb), copies the task profiles there, and writes the local index with
 * the same create_time; the files of the version it replaces are deleted once the new one serves. Groups the evaluation withdrew are not loaded; their samples count as unseen.
 *
 * Hot reload (the original's ModelHotUpdateThread): every MODEL_POLL_PERIOD_SECONDS (default 30) the index at
 * MODEL_URLS is read and its create_time noted; the next inference after a change deploys the new index and then
 * swaps it in, so a request never sees half of one version and half of another. A failed deployment keeps the
 * current one serving, is logged, and is tried again at the next change or the next inference.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { Storage } from '../../storage/storage.js';
import type { Estimator } from '../estimator.js';
import { safeName } from './artifact-store.js';
import { readText } from './cloud-train.js';
import { KB_INDEX_NAME, parseKbIndex, SEEN_TASK, type KbIndex, type KbTaskGroupRecord } from './kb-index.js';
import { LoadedKnowledge, type EstimatorFactory } from './loaded-knowledge.js';

export interface EdgeKnowledgeOptions {
  /** The index to serve (MODEL_URLS). */
  indexUrl: string;
  /** The edge copy's folder (edge_output_url). */
  edgeDir: string;
  storage: Storage;
  estimatorFactory: EstimatorFactory;
  /** How often the index's create_time is checked, in ms (0: only when `checkNow` is called). */
  pollPeriodMs: number;
  log: (line: string) => void;
  /** Called after each deployment with the new index. */
  onDeployed?: (index: KbIndex) => void;
}

export class EdgeKnowledge {
  private current: LoadedKnowledge | undefined;
  private latestVersion: string | undefined;
  private deploying: Promise<LoadedKnowledge> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;

  constructor(private readonly options: EdgeKnowledgeOptions) {}

  /** The version (create_time) serving now. */
  get version(): string | undefined {
    return this.current?.index.create_time;
  }

  /** The newest version (create_time) seen at the index URL; served from the next inference on. */
  get publishedVersion(): string | undefined {
    return this.latestVersion;
  }

  /** Starts the hot reload poll (idempotent). */
  start(): void {
    if (this.timer !== undefined || this.options.pollPeriodMs <= 0) return;
    this.timer = setInterval(() => void this.checkNow(), this.options.pollPeriodMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.checking;
    await this.deploying?.catch(() => undefined);
    await this.current?.dispose();
    this.current = undefined;
  }

  /** Reads the index's create_time now (what the poll does). Errors are logged: the current version keeps serving. */
  checkNow(): Promise<void> {
    this.checking ??= (async () => {
      try {
        const text = await this.options.storage.readText(this.options.indexUrl);
        const createTime = (JSON.parse(text) as { create_time?: unknown }).create_time;
        if (typeof createTime === 'string' && createTime !== this.latestVersion) {
          if (this.latestVersion !== undefined) this.options.log(`knowledge base index ${createTime} published at ${this.options.indexUrl}; it is deployed at the next inference`);
          this.latestVersion = createTime;
        }
      } catch (error) {
        this.options.log(`cannot check the knowledge base index at ${this.options.indexUrl}: ${(error as Error).message}`);
      } finally {
        this.checking = undefined;
      }
    })();
    return this.checking;
  }

  /** The knowledge to serve this request with: deploys the index first when there is none or a newer one. */
  async knowledge(): Promise<LoadedKnowledge> {
    const current = this.current;
    if (current !== undefined && (this.latestVersion === undefined || this.latestVersion === current.index.create_time)) return current;
    this.deploying ??= this.deploy().finally(() => {
      this.deploying = undefined;
    });
    try {
      return await this.deploying;
    } catch (error) {
      if (current === undefined) throw error;
      this.options.log(`deploying the knowledge base index failed, version ${current.index.create_time} keeps serving: ${(error as Error).message}`);
      this.latestVersion = current.index.create_time;
      return current;
    }
  }

  private async deploy(): Promise<LoadedKnowledge> {
    const { indexUrl, edgeDir, storage } = this.options;
    const remote = parseKbIndex(await readText({ storage }, indexUrl, 'the knowledge base index (MODEL_URLS)'), indexUrl);
    const version = `v${remote.create_time.replace('.', '')}`;
    const loaded = new Map<string, Estimator>();
    const groups: KbTaskGroupRecord[] = [];
    try {
      for (const group of remote.seen_task.task_groups) {
        if (!group.deploy || group.model === null) {
          groups.push(group);
          continue;
        }
        const estimator = await this.options.estimatorFactory();
        loaded.set(group.entry, estimator);
        try {
          await estimator.load(group.model.url);
        } catch (error) {
          throw new Error(`cannot load the model of task group "${group.entry}" from ${group.model.url}: ${(error as Error).message}`, { cause: error });
        }
        const folder = path.join(edgeDir, SEEN_TASK, safeName(group.entry), version);
        const modelUrl = await estimator.save(folder);
        const tasks = [];
        for (const task of group.tasks) {
          if (task.profile_url === undefined) {
            tasks.push(task);
            continue;
          }
          const profileFile = path.join(edgeDir, SEEN_TASK, safeName(task.entry), version, 'profile.json');
          await mkdir(path.dirname(profileFile), { recursive: true });
          await writeFile(profileFile, await readText({ storage }, task.profile_url, `the profile of task "${task.entry}"`));
          tasks.push({ ...task, profile_url: profileFile });
        }
        groups.push({ ...group, tasks, model: { ...group.model, url: modelUrl } });
      }
    } catch (error) {
      for (const estimator of loaded.values()) estimator.dispose?.();
      throw error;
    }
    const local: KbIndex = { ...remote, seen_task: { ...remote.seen_task, task_groups: groups } };
    await mkdir(edgeDir, { recursive: true });
    await writeFile(path.join(edgeDir, KB_INDEX_NAME), JSON.stringify(local));
    const knowledge = await LoadedKnowledge.open(local, { storage, estimatorFactory: this.options.estimatorFactory, preloaded: loaded });
    const previous = this.current;
    this.current = knowledge;
    this.latestVersion = local.create_time;
    await previous?.dispose();
    await removeOtherVersions(path.join(edgeDir, SEEN_TASK), version);
    const deployed = groups.filter((g) => g.deploy).map((g) => g.entry);
    this.options.log(`deployed knowledge base index ${local.create_time}: ${deployed.length} task groups (${deployed.join(', ')})${groups.length > deployed.length ? `, ${groups.length - deployed.length} withdrawn` : ''}`);
    this.options.onDeployed?.(local);
    return knowledge;
  }
}

/** Deletes the version folders (v<digits>) of earlier deployments under every task folder of `root`. */
async function removeOtherVersions(root: string, keep: string): Promise<void> {
  let tasks: string[];
  try {
    tasks = await readdir(root);
  } catch {
    return;
  }
  for (const task of tasks) {
    let versions: string[];
    try {
      versions = await readdir(path.join(root, task));
    } catch {
      continue;
    }
    for (const version of versions) if (/^v\d+$/.test(version) && version !== keep) await rm(path.join(root, task, version), { recursive: true, force: true });
  }
}
