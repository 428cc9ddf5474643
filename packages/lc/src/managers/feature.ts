/**
 * A feature of the LC, as the original's LC `managers`: the downstream kinds its manager holds on this node, and the
 * kinds whose worker reports go up to the GM. Adding a kind is its folder under managers/ with a feature, and one
 * line in registry.ts.
 */
import type { DownstreamMessage } from '@sedna/api';
import type { DiskPressure } from '../diskpressure/index.js';
import type { ProcessRunner } from '../runner/index.js';
import type { DatasetManager } from './dataset/index.js';

/** What holds one or more kinds of downstream objects on this node. */
export interface LcManager {
  /** Applies an insert, update or delete of one of its kinds from the GM. */
  apply(message: DownstreamMessage): Promise<void>;
  /** A dataset's object or sample count changed (`namespace/name`): jobs that read it look again. */
  datasetChanged?(key: string): void;
  close(): Promise<void> | void;
}

export interface LcFeatureContext {
  nodeName: string;
  dataDir: string;
  datasetRoots: string[];
  datasetCheckIntervalMs?: number;
  /** The process runner (embedded mode only). */
  runner?: ProcessRunner;
  disk: DiskPressure;
  /** The dataset manager (made by the dataset feature, which registers first). */
  datasets(): DatasetManager;
  /** Sends a status message of `kind` (lower case) to the GM through the outbox. */
  upstream(kind: string, namespace: string, name: string, content: Record<string, unknown>): void;
  /** Tells every manager that a dataset changed. */
  datasetChanged(key: string): void;
  /** The latest downstream message held for a message key (what a retry applies). */
  latest(key: string): DownstreamMessage | undefined;
  log(msg: string): void;
}

export interface LcFeature {
  name: string;
  /** Downstream kinds (lower case, as in message headers) its manager applies. */
  kinds: readonly string[];
  /** Kinds whose worker reports this LC sends up as status messages. */
  reportKinds: readonly string[];
  manager?(ctx: LcFeatureContext): LcManager;
}
