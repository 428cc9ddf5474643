/**
 * Dataset download on a loopback HTTP server: extraction of zip and tar.gz, generated index files, the cache
 * (a second run fetches nothing), a resumed partial download, a checksum mismatch and a corrupt archive leaving
 * nothing behind, and a bounded failure when the server is gone.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetConfig } from '../src/config/testenv.js';
import { prepareDataset, type PrepareStats } from '../src/dataset/prepare.js';
import { fashionSliceTarGz, serveFiles, tarGzOf, zipOf, type DatasetServer } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-download-'));
const cacheDir = join(dir, 'cache');
let server: DatasetServer;
const slice = fashionSliceTarGz(60, 20);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  server = await serveFiles({
    '/fashion-mnist-slice.tar.gz': slice,
    '/indexed.zip': zipOf({ 'data/train.txt': Buffer.from('a.pgm 1\n'), 'data/a.pgm': Buffer.from('P5\n1 1\n255\n\x07', 'latin1') }),
    '/corrupt.tar.gz': Buffer.concat([slice.subarray(0, slice.length / 2), Buffer.alloc(100)]),
    '/plain.tar.gz': tarGzOf({ './x/readme.txt': Buffer.from('hi') }),
  });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function dataset(url: string, name: string, extra: Partial<DatasetConfig['download']> = {}, train = 'train_index.txt'): DatasetConfig {
  const path = join(dir, 'datasets', name);
  return {
    trainIndex: join(path, train),
    testIndex: undefined,
    trainIndexRaw: `./${train}`,
    testIndexRaw: undefined,
    label: '',
    download: { url, mirrors: [], path, sha256: undefined, format: undefined, ...extra },
  };
}

const stats = (): PrepareStats => ({ cacheHit: false, downloadedBytes: 0, downloadSeconds: 0 });
const lines: string[] = [];
const opts = { log: (l: string) => void lines.push(l), cacheDir };

describe('dataset download', () => {
  it('downloads, verifies, extracts and generates the index; the second run fetches nothing', async () => {
    const d = dataset(`${server.url}/fashion-mnist-slice.tar.gz`, 'fmnist', { sha256: sha(slice) });
    const s1 = stats();
    await prepareDataset(d, opts, s1);
    expect(s1.downloadedBytes).toBe(slice.length);
    const index = readFileSync(join(d.download!.path, 'train_index.txt'), 'utf8').trim().split('\n');
    expect(index).toHaveLength(60);
    expect(index[0]).toMatch(/^train\/(tops|bottoms|footwear|bags)\/img-\d{5}\.pgm \d$/);
    expect(existsSync(join(d.download!.path, 'test_index.txt'))).toBe(true);
    expect(lines.some((l) => l.includes('downloading'))).toBe(true);

    const before = server.requests.length;
    const s2 = stats();
    await prepareDataset(dataset(`${server.url}/fashion-mnist-slice.tar.gz`, 'fmnist', { sha256: sha(slice) }), opts, s2);
    expect(s2.cacheHit).toBe(true);
    expect(server.requests.length).toBe(before);
    // Another folder for the same URL and checksum comes from the download cache, again without a request.
    await prepareDataset(dataset(`${server.url}/fashion-mnist-slice.tar.gz`, 'fmnist-copy', { sha256: sha(slice) }), opts, stats());
    expect(server.requests.length).toBe(before);
  });

  it('keeps index files an archive brings (zip)', async () => {
    const d = dataset(`${server.url}/indexed.zip`, 'zipped', {}, 'data/train.txt');
    await prepareDataset(d, opts);
    expect(readFileSync(join(d.download!.path, 'data', 'train.txt'), 'utf8')).toBe('a.pgm 1\n');
  });

  it('resumes a partial download with a Range request', async () => {
    const d = dataset(`${server.url}/fashion-mnist-slice.tar.gz`, 'resumed', { sha256: sha(slice) });
    // What an interrupted run leaves: the first third in the cache's .part file.
    const key = createHash('sha256').update(`${d.download!.url}\n${d.download!.sha256}`).digest('hex').slice(0, 32);
    const cdir = join(join(dir, 'cache2'), 'downloads', key);
    mkdirSync(cdir, { recursive: true });
    writeFileSync(join(cdir, 'archive.unverified.part'), slice.subarray(0, 1000));
    const s = stats();
    await prepareDataset(d, { ...opts, cacheDir: join(dir, 'cache2') }, s);
    expect(server.requests.at(-1)?.range).toBe('bytes=1000-');
    expect(s.downloadedBytes).toBe(slice.length - 1000);
    expect(readFileSync(join(cdir, 'archive')).equals(slice)).toBe(true);
  });

  it('removes a download whose checksum does not match and leaves no dataset folder', async () => {
    const d = dataset(`${server.url}/fashion-mnist-slice.tar.gz`, 'badsum', { sha256: '0'.repeat(64) });
    await expect(prepareDataset(d, { ...opts, cacheDir: join(dir, 'cache3') })).rejects.toThrow(/sha256 mismatch: expected 0{64}/);
    expect(existsSync(d.download!.path)).toBe(false);
    const leftovers = readdirSync(join(dir, 'cache3', 'downloads')).flatMap((k) => readdirSync(join(dir, 'cache3', 'downloads', k)));
    expect(leftovers).toEqual(['url.txt']);
  });

  it('leaves nothing half-extracted from a corrupt archive', async () => {
    const d = dataset(`${server.url}/corrupt.tar.gz`, 'corrupt', { format: 'tar.gz' });
    await expect(prepareDataset(d, opts)).rejects.toThrow(/corrupt (gzip|tar)/);
    expect(readdirSync(join(dir, 'datasets')).filter((n) => n.startsWith('corrupt'))).toEqual([]);
  });

  it('says the index is missing when an archive has neither index nor IDX files', async () => {
    await expect(prepareDataset(dataset(`${server.url}/plain.tar.gz`, 'plain'), opts)).rejects.toThrow(/train_index: .*train_index.txt does not exist in the dataset from/);
  });

  it.skipIf(process.getuid?.() !== 0)('on a full disk removes the partial file and says so (a 256 KiB tmpfs, as root)', async () => {
    const small = join(dir, 'small');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', small]);
    try {
      const big = fashionSliceTarGz(1200, 10);
      const s2 = await serveFiles({ '/big.tar.gz': big });
      try {
        const d = dataset(`${s2.url}/big.tar.gz`, 'full');
        await expect(prepareDataset(d, { ...opts, cacheDir: small })).rejects.toThrow(/the disk is full while writing .*archive.unverified.part; the partial file was removed/);
        const key = readdirSync(join(small, 'downloads'))[0] as string;
        expect(readdirSync(join(small, 'downloads', key))).toEqual(['url.txt']);
      } finally {
        await s2.close();
      }
    } finally {
      execFileSync('umount', [small]);
    }
  });

  it('fails within bounds when the server is gone, saying what to fetch and where to put it', async () => {
    const gone = await serveFiles({});
    await gone.close();
    const d = dataset(`${gone.url}/fashion-mnist-slice.tar.gz`, 'offline');
    await expect(prepareDataset(d, opts)).rejects.toThrow(/could not fetch the dataset .*ECONNREFUSED.*Fetch .* yourself and put it at .*archive/);
  });
});
