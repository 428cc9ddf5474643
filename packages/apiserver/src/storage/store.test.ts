import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Store } from './store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sedna-store-'));
  dirs.push(dir);
  return join(dir, 'apiserver.db');
}

describe('the store durability setting', () => {
  it('is normal by default and full (an fsync per commit) when asked, and keeps the data either way', () => {
    const path = tempDb();
    const normal = new Store({ path });
    expect(normal.sync).toBe('normal');
    normal.put('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }, 'ADDED');
    normal.close();

    const full = new Store({ path, sync: 'full' });
    expect(full.sync).toBe('full');
    expect(full.get('/namespaces', '', 'a')?.object.metadata.name).toBe('a');
    full.put('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } }, 'ADDED');
    full.close();

    const again = new Store({ path });
    expect(again.list('/namespaces').map((o) => o.object.metadata.name).sort()).toEqual(['a', 'b']);
    again.close();
  });
});

describe('the group commit', () => {
  const ns = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

  it('commits the writes of one turn together, tells watchers only after the commit, and keeps them across a reopen', async () => {
    const path = tempDb();
    const store = new Store({ path });
    const heard: number[] = [];
    store.subscribe((e) => heard.push(e.rv));
    const a = store.put('/namespaces', ns('a'), 'ADDED');
    const b = store.put('/namespaces', ns('b'), 'ADDED');
    store.put('/namespaces', ns('a', { x: '1' }), 'MODIFIED');
    // Visible in the index at once, not yet committed nor told.
    expect(store.get('/namespaces', '', 'a')?.object.metadata.labels).toEqual({ x: '1' });
    expect(store.pendingWrites).toBe(3);
    expect(heard).toEqual([]);
    await store.committed();
    expect(store.pendingWrites).toBe(0);
    expect(heard).toEqual([a.rv, b.rv, b.rv + 1]);
    expect(store.changesSince('/namespaces', 0).map((e) => e.rv)).toEqual([a.rv, b.rv, b.rv + 1]);
    store.close();

    const again = new Store({ path });
    expect(again.get('/namespaces', '', 'a')?.object.metadata.labels).toEqual({ x: '1' });
    expect(again.resourceVersion).toBe(b.rv + 1);
    again.close();
  });

  it('undoes the writes of a batch whose commit failed, and rejects those waiting for it', async () => {
    const path = tempDb();
    const store = new Store({ path });
    store.put('/namespaces', ns('kept'), 'ADDED');
    await store.committed();
    const rv = store.resourceVersion;
    // Another connection breaks the table under the store: the next commit fails.
    const other = new Database(path);
    other.exec('DROP TABLE events');
    other.close();
    const heard: string[] = [];
    store.subscribe((e) => heard.push(e.name));
    store.put('/namespaces', ns('kept', { changed: 'yes' }), 'MODIFIED');
    store.put('/namespaces', ns('new'), 'ADDED');
    await expect(store.committed()).rejects.toThrow(/could not commit 2 write\(s\)/);
    expect(store.get('/namespaces', '', 'kept')?.object.metadata.labels).toEqual({});
    expect(store.get('/namespaces', '', 'new')).toBeUndefined();
    expect(store.resourceVersion).toBe(rv);
    expect(heard).toEqual([]);
    store.close();
  });

  it('commits what is still staged when it closes', () => {
    const path = tempDb();
    const store = new Store({ path });
    store.put('/namespaces', ns('late'), 'ADDED');
    store.close();
    const again = new Store({ path });
    expect(again.get('/namespaces', '', 'late')).toBeDefined();
    again.close();
  });
});
