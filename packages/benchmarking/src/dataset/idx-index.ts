/**
 * Index files for a dataset that comes without them: IDX image/label pairs (`<split>-images-idx3-ubyte[.gz]` and
 * `<split>-labels-idx1-ubyte[.gz]`, as Fashion-MNIST and MNIST ship) become PGM images with Ianvs's txt index
 * (`path label` per line, relative paths). Images go under `<split>/<group>/`, the group being the class's family
 * for Fashion-MNIST (tops, bottoms, footwear, bags) and `class-<n>` otherwise: tasks "by origin" (lifelong learning)
 * can be told apart by that folder, as Ianvs's cityscapes/synthia example tells them by theirs.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readIdx, writeImageSet } from '@sedna/lib/datasources';

const FASHION_GROUPS = ['tops', 'bottoms', 'tops', 'bottoms', 'tops', 'footwear', 'tops', 'footwear', 'bags', 'footwear'];

export interface IdxPair {
  split: 'train' | 'test';
  images: string;
  labels: string;
}

/** IDX pairs found in a folder (searched two levels deep). */
export function findIdxPairs(root: string): IdxPair[] {
  const files: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (d.isDirectory() && depth < 2) walk(join(dir, d.name), depth + 1);
      else if (d.isFile()) files.push(join(dir, d.name));
    }
  };
  walk(root, 0);
  const pairs: IdxPair[] = [];
  for (const images of files.filter((f) => /-images-idx3-ubyte(\.gz)?$/.test(f))) {
    const labels = images.replace('-images-idx3-ubyte', '-labels-idx1-ubyte');
    if (!files.includes(labels)) continue;
    const base = images.split('/').pop() as string;
    pairs.push({ split: /^(t10k|test)/.test(base) ? 'test' : 'train', images, labels });
  }
  return pairs;
}

/** Writes images and an index for each pair; returns the index files written (absolute), by split. */
export async function generateIndexes(root: string, wanted: { train: string; test: string }, fashion: boolean, log: (line: string) => void): Promise<Record<'train' | 'test', string | undefined>> {
  const out: Record<'train' | 'test', string | undefined> = { train: undefined, test: undefined };
  for (const pair of findIdxPairs(root)) {
    const indexFile = join(root, pair.split === 'train' ? wanted.train : wanted.test);
    if (existsSync(indexFile)) continue;
    const images = await readIdx(pair.images);
    const labels = await readIdx(pair.labels);
    const [n, rows, cols] = images.dims as [number, number, number];
    if (labels.dims[0] !== n) throw new Error(`${pair.images} holds ${n} images but ${pair.labels} holds ${labels.dims[0]} labels`);
    const group = (label: number): string => (fashion ? (FASHION_GROUPS[label] ?? `class-${label}`) : `class-${label}`);
    log(`generating ${relative(root, indexFile)} for ${n} images of ${relative(root, pair.images)}`);
    const size = rows * cols;
    const byGroup = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const g = group(labels.data[i] as number);
      const list = byGroup.get(g) ?? [];
      list.push(i);
      byGroup.set(g, list);
    }
    const lines: string[] = new Array(n);
    const indexDir = join(indexFile, '..');
    for (const [g, members] of byGroup) {
      const pixels = new Uint8Array(members.length * size);
      members.forEach((i, k) => pixels.set(images.data.subarray(i * size, (i + 1) * size), k * size));
      const dir = join(root, pair.split, g);
      const written = await writeImageSet(pixels, members.map((i) => labels.data[i] as number), rows, cols, { dir, indexName: '.group-index.txt', prefix: 'img', firstNumber: 0 });
      // Index lines keep the original order of the IDX file (rounds and splits are contiguous in Ianvs).
      members.forEach((i, k) => (lines[i] = `${relative(indexDir, written.files[k] as string)} ${labels.data[i]}`));
    }
    mkdirSync(indexDir, { recursive: true });
    writeFileSync(indexFile, lines.join('\n') + '\n');
    out[pair.split] = indexFile;
  }
  return out;
}
