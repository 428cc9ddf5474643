/**
 * Durable object store: SQLite in WAL mode behind an in-memory index.
 *
 * Every write gets the next global resourceVersion and is visible in the index at once; its rows (object row plus
 * event row) are committed with every other write of the same turn of the event loop, in one transaction (a group
 * commit: one commit, and with `full` one fsync, for all the writes that arrived together). Watchers hear of a change
 * only after its commit, and callers that answer a client wait for `committed()` first, so nothing outside this
 * process sees a write that is not on disk. A commit that fails undoes the writes of its batch in the index.
 *
 * The event log keeps the newest `eventRetention` changes, in memory and on disk, so that a watch can resume from a
 * resourceVersion it saw, also across a restart of the server; older versions get 410 Gone. Durability (`sync`): by
 * default WAL with synchronous=NORMAL, which survives a killed process (SIGKILL) but may lose the last transactions
 * to a power cut; `full` (synchronous=FULL) syncs the WAL to disk at every commit, so an acknowledged write also
 * survives a power cut, at the price of one fsync per commit (per batch of writes that arrived together).
 */
import Database from 'better-sqlite3';
import type { KubeObject } from '@sedna/api';
import { ownerOnlyDatabaseFile } from '@sedna/api/guard';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredObject {
  readonly object: KubeObject;
  /** The object serialised once, reused by every list and watch. */
  readonly json: string;
  readonly rv: number;
}

export interface ChangeEvent {
  readonly rv: number;
  readonly type: WatchEventType;
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
  readonly object: KubeObject;
  readonly json: string;
  /** The object before this change, when known (always for live events, not for events reloaded from disk). */
  readonly previous?: KubeObject;
}

export type ChangeListener = (event: ChangeEvent) => void;

export class ResourceVersionTooOldError extends Error {
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

/** `normal`: a write survives a killed process; `full`: it also survives a power cut (an fsync per commit). */
export type StoreSync = 'normal' | 'full';
export const STORE_SYNC_MODES: readonly StoreSync[] = ['normal', 'full'];

export interface StoreOptions {
  /** SQLite file; ':memory:' for tests that need no durability. */
  path: string;
  eventRetention?: number;
  /** Default `normal`. */
  sync?: StoreSync;
}

function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class Store {
  private readonly db: Database.Database;
  private readonly byResource = new Map<string, Map<string, StoredObject>>();
  private readonly events: ChangeEvent[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private readonly eventRetention: number;
  private rv = 0;
  private readonly stmt: {
    upsert: Database.Statement;
    remove: Database.Statement;
    insertEvent: Database.Statement;
    pruneEvents: Database.Statement;
  };
  private readonly writeTx: (events: readonly ChangeEvent[]) => void;
  /** Writes in the index, not yet committed, with what each replaced (to undo a batch whose commit failed). */
  private staged: { event: ChangeEvent; replaced: StoredObject | undefined }[] = [];
  private flushScheduled = false;
  private waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];

  /** The durability SQLite really applies (read back from the connection, not from the options). */
  get sync(): StoreSync {
    return this.db.pragma('synchronous', { simple: true }) === 2 ? 'full' : 'normal';
  }

  constructor(options: StoreOptions) {
    this.eventRetention = options.eventRetention ?? 20_000;
    // Owner-only before SQLite opens it: its WAL and shared-memory files take the same mode.
    ownerOnlyDatabaseFile(options.path);
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(options.sync === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS objects (
        resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, rv INTEGER NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (resource, namespace, name)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS events (
        rv INTEGER PRIMARY KEY, type TEXT NOT NULL, resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL);
    `);
    this.stmt = {
      upsert: this.db.prepare(
        'INSERT INTO objects (resource, namespace, name, rv, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT (resource, namespace, name) DO UPDATE SET rv = excluded.rv, data = excluded.data',
      ),
      remove: this.db.prepare('DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?'),
      insertEvent: this.db.prepare('INSERT INTO events (rv, type, resource, namespace, name, data) VALUES (?, ?, ?, ?, ?, ?)'),
      pruneEvents: this.db.prepare('DELETE FROM events WHERE rv < ?'),
    };
    this.writeTx = this.db.transaction((events: readonly ChangeEvent[]) => {
      for (const e of events) {
        if (e.type === 'DELETED') this.stmt.remove.run(e.resource, e.namespace, e.name);
        else this.stmt.upsert.run(e.resource, e.namespace, e.name, e.rv, e.json);
        this.stmt.insertEvent.run(e.rv, e.type, e.resource, e.namespace, e.name, e.json);
      }
    });
    this.load();
  }

  private load(): void {
    for (const row of this.db.prepare('SELECT resource, namespace, name, rv, data FROM objects').iterate() as Iterable<{ resource: string; namespace: string; name: string; rv: number; data: string }>) {
      this.index(row.resource).set(objectKey(row.namespace, row.name), { object: JSON.parse(row.data) as KubeObject, json: row.data, rv: row.rv });
      if (row.rv > this.rv) this.rv = row.rv;
    }
    const rows = this.db.prepare('SELECT rv, type, resource, namespace, name, data FROM events ORDER BY rv').all() as { rv: number; type: WatchEventType; resource: string; namespace: string; name: string; data: string }[];
    for (const row of rows) {
      this.events.push({ rv: row.rv, type: row.type, resource: row.resource, namespace: row.namespace, name: row.name, object: JSON.parse(row.data) as KubeObject, json: row.data });
      if (row.rv > this.rv) this.rv = row.rv;
    }
  }

  private index(resource: string): Map<string, StoredObject> {
    let map = this.byResource.get(resource);
    if (!map) {
      map = new Map();
      this.byResource.set(resource, map);
    }
    return map;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get(resource: string, namespace: string, name: string): StoredObject | undefined {
    return this.byResource.get(resource)?.get(objectKey(namespace, name));
  }

  /** Objects of a resource, optionally of one namespace, in key order (namespace, then name), as etcd lists them. */
  list(resource: string, namespace?: string): StoredObject[] {
    const map = this.byResource.get(resource);
    if (!map) return [];
    const out: StoredObject[] = [];
    for (const stored of map.values()) {
      if (namespace === undefined || stored.object.metadata.namespace === namespace || (namespace === '' && !stored.object.metadata.namespace)) out.push(stored);
    }
    return out.sort((a, b) => compareKeys(a.object, b.object));
  }

  count(resource: string): number {
    return this.byResource.get(resource)?.size ?? 0;
  }

  resources(): string[] {
    return [...this.byResource.keys()];
  }

  /**
   * Writes a new or changed object; returns the stored copy with its new resourceVersion. It is committed with the
   * other writes of this turn of the event loop: answer a client only after `committed()`.
   */
  put(resource: string, object: KubeObject, type: 'ADDED' | 'MODIFIED'): StoredObject {
    const namespace = object.metadata.namespace ?? '';
    const name = object.metadata.name ?? '';
    const rv = this.rv + 1;
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } } as KubeObject;
    const json = JSON.stringify(stored);
    const replaced = this.get(resource, namespace, name);
    const previous = replaced?.object;
    const entry = { object: stored, json, rv };
    this.stage({ rv, type, resource, namespace, name, object: stored, json, ...(previous ? { previous } : {}) }, replaced);
    this.index(resource).set(objectKey(namespace, name), entry);
    return entry;
  }

  /** Removes an object; the DELETED event carries its last state with a new resourceVersion. */
  remove(resource: string, namespace: string, name: string): StoredObject | undefined {
    const current = this.get(resource, namespace, name);
    if (!current) return undefined;
    const rv = this.rv + 1;
    const last = { ...current.object, metadata: { ...current.object.metadata, resourceVersion: String(rv) } } as KubeObject;
    const json = JSON.stringify(last);
    this.stage({ rv, type: 'DELETED', resource, namespace, name, object: last, json, previous: current.object }, current);
    this.byResource.get(resource)?.delete(objectKey(namespace, name));
    return { object: last, json, rv };
  }

  /** Writes made and not yet committed. */
  get pendingWrites(): number {
    return this.staged.length;
  }

  /**
   * Resolves once every write made so far is committed (at once when none is pending); rejects when the commit of
   * one of them failed (the write was undone).
   */
  committed(): Promise<void> {
    if (this.staged.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private stage(event: ChangeEvent, replaced: StoredObject | undefined): void {
    this.rv = event.rv;
    this.staged.push({ event, replaced });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // After the I/O callbacks of this turn: the requests that arrived together share one commit.
    setImmediate(() => this.flush());
  }

  /** Commits every staged write in one transaction, then tells the watchers and answers the waiters. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.staged;
    const waiters = this.waiters;
    if (batch.length === 0) return;
    this.staged = [];
    this.waiters = [];
    const events = batch.map((b) => b.event);
    try {
      this.writeTx(events);
    } catch (err) {
      this.undo(batch);
      const error = new Error(`the store could not commit ${batch.length} write(s): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      for (const w of waiters) w.reject(error);
      return;
    }
    for (const event of events) this.events.push(event);
    if (this.events.length > this.eventRetention * 1.1) {
      const drop = this.events.length - this.eventRetention;
      this.events.splice(0, drop);
      this.stmt.pruneEvents.run(this.events[0]!.rv);
    }
    for (const event of events) this.notify(event);
    for (const w of waiters) w.resolve();
  }

  /** Puts back what a failed batch replaced, newest first, and its resourceVersions with it. */
  private undo(batch: readonly { event: ChangeEvent; replaced: StoredObject | undefined }[]): void {
    for (let i = batch.length - 1; i >= 0; i--) {
      const { event, replaced } = batch[i]!;
      const key = objectKey(event.namespace, event.name);
      if (replaced) this.index(event.resource).set(key, replaced);
      else this.byResource.get(event.resource)?.delete(key);
    }
    this.rv = batch[0]!.event.rv - 1;
  }

  /**
   * Changes after `rv` (exclusive) of one resource. Throws ResourceVersionTooOldError when changes after `rv` are
   * no longer all retained.
   */
  changesSince(resource: string, rv: number): ChangeEvent[] {
    const oldest = this.events[0]?.rv ?? this.rv + 1;
    if (rv < oldest - 1 && rv < this.rv) throw new ResourceVersionTooOldError(rv, oldest);
    // Binary search for the first event after rv.
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid]!.rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    const out: ChangeEvent[] = [];
    for (let i = lo; i < this.events.length; i++) if (this.events[i]!.resource === resource) out.push(this.events[i]!);
    return out;
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(event: ChangeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        // A failing listener (a broken watch connection) must not stop the others or the write.
        console.error('store listener failed:', err);
      }
    }
  }

  close(): void {
    // Writes still staged are committed first (their watchers are told too).
    this.flush();
    this.listeners.clear();
    this.db.close();
  }
}

function compareKeys(a: KubeObject, b: KubeObject): number {
  const an = a.metadata.namespace ?? '';
  const bn = b.metadata.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  const aName = a.metadata.name ?? '';
  const bName = b.metadata.name ?? '';
  return aName < bName ? -1 : aName > bName ? 1 : 0;
}
