import { appendFileSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DatasetManager, type DatasetError, type DatasetManagerOptions, type DatasetObject } from '../src/managers/dataset/index.js';
import { tempDir, waitFor } from './runner-helpers.js';

const HOUR = 3_600_000;

describe('DatasetManager with real files', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  });

  function setUp(overrides: Partial<DatasetManagerOptions> = {}) {
    const root = tempDir('datasets');
    const counts: { key: string; numberOfSamples: number }[] = [];
    const errors: { key: string; error: DatasetError }[] = [];
    const manager = new DatasetManager({
      roots: [root.dir],
      nodeName: 'edge-1',
      // Only file-system events can make the counts below follow in time: the safety check is an hour away.
      checkIntervalMs: HOUR,
      onSampleCount: (ref, status) => counts.push({ key: `${ref.namespace}/${ref.name}`, numberOfSamples: status.numberOfSamples }),
      onError: (ref, error) => errors.push({ key: `${ref.namespace}/${ref.name}`, error }),
      ...overrides,
    });
    cleanups.push(root.remove, () => manager.close());
    const lastCount = (key: string) => counts.filter((c) => c.key === key).at(-1)?.numberOfSamples;
    return { root: root.dir, manager, counts, errors, lastCount };
  }

  function dataset(name: string, url: string, format = 'txt', nodeName = 'edge-1'): DatasetObject {
    return { metadata: { name, namespace: 'default' }, spec: { url, format, nodeName } };
  }

  it('counts txt samples and follows appended lines', async () => {
    const { root, manager, lastCount, counts } = setUp();
    const file = path.join(root, 'train.txt');
    writeFileSync(file, 'img/1.png 0\nimg/2.png 1\n\n');
    manager.upsert(dataset('train', file));
    await waitFor('first count', () => lastCount('default/train') === 2);
    appendFileSync(file, 'img/3.png 0\nimg/4.png 1\n   \nimg/5.png 1\n');
    await waitFor('count after append', () => lastCount('default/train') === 5);
    expect(manager.samples('default/train')).toEqual(['img/1.png 0', 'img/2.png 1', 'img/3.png 0', 'img/4.png 1', 'img/5.png 1']);
    expect(counts.map((c) => c.numberOfSamples)).toEqual([2, 5]); // reported only when the count changes
  });

  it('counts csv rows after the header, format case-insensitive, with a relative url', async () => {
    const { root, manager, lastCount } = setUp();
    mkdirSync(path.join(root, 'tables'));
    const file = path.join(root, 'tables', 'data.csv');
    writeFileSync(file, 'x,y,label\r\n1,2,a\r\n3,4,b\r\n');
    manager.upsert(dataset('table', 'tables/data.csv', 'CSV'));
    await waitFor('first count', () => lastCount('default/table') === 2);
    appendFileSync(file, '5,6,c\r\n');
    await waitFor('count after append', () => lastCount('default/table') === 3);
    const snapshot = manager.get('default/table');
    expect(snapshot).toMatchObject({ header: 'x,y,label', numberOfSamples: 3, format: 'csv', path: file });
    expect(snapshot?.samples).toEqual(['1,2,a', '3,4,b', '5,6,c']);
  });

  it('follows a file replaced by rename, and then appends to the new file', async () => {
    const { root, manager, lastCount } = setUp();
    const file = path.join(root, 'index.txt');
    writeFileSync(file, 'a\nb\n');
    manager.upsert(dataset('renamed', pathToFileURL(file).href));
    await waitFor('first count', () => lastCount('default/renamed') === 2);
    const temporary = path.join(root, 'index.txt.tmp');
    writeFileSync(temporary, 'a\nb\nc\nd\ne\nf\ng\n');
    renameSync(temporary, file);
    await waitFor('count after replacement', () => lastCount('default/renamed') === 7);
    appendFileSync(file, 'h\n');
    await waitFor('count after append to the new file', () => lastCount('default/renamed') === 8);
  });

  it('reports a missing file once, keeps trying, and counts it once created; keeps the last good count when it goes away', async () => {
    const { root, manager, lastCount, errors } = setUp();
    const file = path.join(root, 'later.txt');
    manager.upsert(dataset('later', file));
    await waitFor('the error', () => errors.length === 1);
    expect(errors[0]?.error.reason).toBe('FileUnavailable');
    expect(errors[0]?.error.message).toBe(`dataset file ${file} does not exist`);
    writeFileSync(path.join(root, 'unrelated.txt'), 'x\n'); // other files in the folder change nothing
    writeFileSync(file, 'one\ntwo\nthree\n');
    await waitFor('count once created', () => lastCount('default/later') === 3);
    expect(errors.length).toBe(1);

    rmSync(file);
    await waitFor('the error again', () => errors.length === 2);
    expect(manager.get('default/later')).toMatchObject({ numberOfSamples: 3, error: { reason: 'FileUnavailable' } });
    writeFileSync(file, 'one\n');
    await waitFor('count after re-creation', () => lastCount('default/later') === 1);
    expect(manager.get('default/later')?.error).toBeUndefined();
  });

  it('finds a file whose folder did not exist yet through the periodic check', async () => {
    const { root, manager, lastCount } = setUp({ checkIntervalMs: 100 });
    const file = path.join(root, 'not-yet', 'data.txt');
    manager.upsert(dataset('folder-later', file));
    mkdirSync(path.dirname(file));
    writeFileSync(file, 'a\nb\n');
    await waitFor('count', () => lastCount('default/folder-later') === 2);
  });

  it('refuses urls outside the roots, remote urls, other formats and other nodes, with a clear reason', async () => {
    const { root, manager, errors } = setUp();
    const outside = tempDir('outside');
    cleanups.push(outside.remove);
    writeFileSync(path.join(outside.dir, 'secret.txt'), 'x\n');
    symlinkSync(path.join(outside.dir, 'secret.txt'), path.join(root, 'link.txt'));
    writeFileSync(path.join(root, 'ok.json'), '[]');

    manager.upsert(dataset('escape', '../../etc/passwd'));
    manager.upsert(dataset('absolute', path.join(outside.dir, 'secret.txt')));
    manager.upsert(dataset('symlink', path.join(root, 'link.txt')));
    manager.upsert(dataset('s3', 's3://bucket/train.txt'));
    manager.upsert(dataset('web', 'https://example.com/train.txt'));
    manager.upsert(dataset('json', path.join(root, 'ok.json'), 'json'));
    manager.upsert(dataset('elsewhere', path.join(root, 'ok.txt'), 'txt', 'edge-2'));
    await waitFor('all errors', () => errors.length === 7);
    const reasons = Object.fromEntries(errors.map((e) => [e.key.split('/')[1], [e.error.reason, e.error.message]]));
    expect(reasons.escape?.[0]).toBe('PathOutsideRoots');
    expect(reasons.escape?.[1]).toMatch(/^dataset url "\.\.\/\.\.\/etc\/passwd": \/.*etc\/passwd is outside the dataset roots/);
    expect(reasons.absolute?.[0]).toBe('PathOutsideRoots');
    expect(reasons.symlink?.[0]).toBe('PathOutsideRoots');
    expect(reasons.symlink?.[1]).toMatch(/leads to .*secret.txt, outside the dataset roots/);
    expect(reasons.s3).toEqual(['NotImplemented', 'dataset url "s3://bucket/train.txt": s3:// datasets are not implemented yet; use a local path or a file:// URL on the dataset\'s node']);
    expect(reasons.web?.[0]).toBe('NotImplemented');
    expect(reasons.json).toEqual(['UnsupportedFormat', 'dataset format "json" is not supported; use txt or csv']);
    expect(reasons.elsewhere?.[0]).toBe('WrongNode');
    expect(manager.samples('default/symlink')).toBeUndefined();
  });

  it('stops watching a deleted dataset', async () => {
    const { root, manager, counts, lastCount } = setUp();
    const file = path.join(root, 'gone.txt');
    const other = path.join(root, 'kept.txt');
    writeFileSync(file, 'a\n');
    writeFileSync(other, 'a\n');
    manager.upsert(dataset('gone', file));
    manager.upsert(dataset('kept', other));
    await waitFor('first counts', () => lastCount('default/gone') === 1 && lastCount('default/kept') === 1);
    expect(manager.delete({ namespace: 'default', name: 'gone' })).toBe(true);
    appendFileSync(file, 'b\n');
    appendFileSync(other, 'b\n');
    // The kept dataset's report shows events were delivered; the deleted one stayed silent.
    await waitFor('kept count', () => lastCount('default/kept') === 2);
    await manager.refresh('default/gone');
    expect(counts.filter((c) => c.key === 'default/gone').map((c) => c.numberOfSamples)).toEqual([1]);
    expect(manager.get('default/gone')).toBeUndefined();
    expect(manager.keys()).toEqual(['default/kept']);
    expect(manager.delete('default/gone')).toBe(false);
  });

  it('an update with a new url starts over on the new file', async () => {
    const { root, manager, lastCount } = setUp();
    writeFileSync(path.join(root, 'v1.txt'), 'a\n');
    writeFileSync(path.join(root, 'v2.txt'), 'a\nb\nc\n');
    manager.upsert(dataset('versioned', 'v1.txt'));
    await waitFor('v1 count', () => lastCount('default/versioned') === 1);
    manager.upsert(dataset('versioned', 'v2.txt'));
    await waitFor('v2 count', () => lastCount('default/versioned') === 3);
    appendFileSync(path.join(root, 'v1.txt'), 'b\nc\nd\ne\n'); // the old file no longer matters
    appendFileSync(path.join(root, 'v2.txt'), 'd\n');
    await waitFor('v2 append', () => lastCount('default/versioned') === 4);
  });
});
