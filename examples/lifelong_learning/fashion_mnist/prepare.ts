/**
 * Builds the example's data from Fashion-MNIST (Debian's dataset-fashion-mnist): every image is rendered by a site's
 * camera (sites.ts) and written as a PGM file, and three CSV indexes list them with the site as an attribute column:
 *
 *   train.csv  the Dataset: labelled images of the initial sites (the LC splits it into train and eval rounds);
 *              train-initial.csv keeps it as prepared, since labelled unseen samples are added to train.csv
 *   feed.csv   what the edge cameras stream: fresh images of the initial sites, then of the new site
 *   test.csv   held-out images of every site, to measure each round's per-site accuracy
 *
 * Train and feed images come from the train split (disjoint slices), test images from the test split. The feed's
 * label column is the ground truth the example's labeller (label.ts) plays the person with; the edge worker only
 * uses it to count its accuracy.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { createRng, encodePgm, loadFashionMnist, shuffleInPlace } from './sedna-lib.js';
import { IMAGE_SIDE, INITIAL_SITES, NEW_SITE, renderAtSite, siteNamed } from './sites.js';

export interface PrepareOptions {
  dataDir: string;
  /** Labelled images per initial site in the Dataset (default 2000). */
  trainPerSite?: number;
  /** Streamed images per initial site (default 300). */
  feedPerSite?: number;
  /** Streamed images of the new site (default 2000). */
  newSiteFeed?: number;
  /** Held-out test images per site (default 1000). */
  testPerSite?: number;
  seed?: number;
}

export interface PreparedData {
  dataDir: string;
  trainCsv: string;
  /** The Dataset as prepared, before any labelled samples were added. */
  initialTrainCsv: string;
  feedCsv: string;
  testCsv: string;
  settings: Required<Omit<PrepareOptions, 'dataDir'>>;
}

export const CSV_HEADER = 'image,site,label';

export async function prepareData(options: PrepareOptions): Promise<PreparedData> {
  const settings = {
    trainPerSite: options.trainPerSite ?? 2000,
    feedPerSite: options.feedPerSite ?? 300,
    newSiteFeed: options.newSiteFeed ?? 2000,
    testPerSite: options.testPerSite ?? 1000,
    seed: options.seed ?? 7,
  };
  const dataDir = path.resolve(options.dataDir);
  const prepared: PreparedData = { dataDir, trainCsv: path.join(dataDir, 'train.csv'), initialTrainCsv: path.join(dataDir, 'train-initial.csv'), feedCsv: path.join(dataDir, 'feed.csv'), testCsv: path.join(dataDir, 'test.csv'), settings };
  const marker = path.join(dataDir, 'prepared.json');
  if (existsSync(marker) && (await readFile(marker, 'utf8')) === JSON.stringify(settings)) return prepared;

  const sites = [...INITIAL_SITES, NEW_SITE];
  const trainNeeded = INITIAL_SITES.length * (settings.trainPerSite + settings.feedPerSite) + settings.newSiteFeed;
  const testNeeded = sites.length * settings.testPerSite;
  if (trainNeeded > 60000) throw new Error(`the sizes need ${trainNeeded} train images; Fashion-MNIST has 60000`);
  if (testNeeded > 10000) throw new Error(`the sizes need ${testNeeded} test images; Fashion-MNIST has 10000`);
  const [train, test] = await Promise.all([loadFashionMnist({ split: 'train', count: trainNeeded }), loadFashionMnist({ split: 'test', count: testNeeded })]);

  const size = IMAGE_SIDE * IMAGE_SIDE;
  const rng = createRng(settings.seed);
  const writeImages = async (source: { pixels: Uint8Array; y: Int32Array }, first: number, count: number, site: string, kind: string): Promise<string[]> => {
    const folder = path.join(dataDir, 'images', site);
    await mkdir(folder, { recursive: true });
    const rows: string[] = [];
    for (let k = 0; k < count; k++) {
      const i = first + k;
      const image = renderAtSite(source.pixels.subarray(i * size, (i + 1) * size), siteNamed(site).condition, rng);
      const name = `${kind}-${String(k).padStart(5, '0')}.pgm`;
      await writeFile(path.join(folder, name), encodePgm({ width: IMAGE_SIDE, height: IMAGE_SIDE, pixels: image }));
      rows.push(`images/${site}/${name},${site},${source.y[i]}`);
    }
    return rows;
  };

  let next = 0;
  const trainRows: string[] = [];
  const feedRows: string[] = [];
  for (const site of INITIAL_SITES) {
    trainRows.push(...(await writeImages(train, next, settings.trainPerSite, site, 'train')));
    next += settings.trainPerSite;
  }
  // The sites' rows are mixed, as samples arriving from several cameras would be.
  shuffleInPlace(createRng(settings.seed + 2), trainRows);
  for (const site of INITIAL_SITES) {
    feedRows.push(...(await writeImages(train, next, settings.feedPerSite, site, 'feed')));
    next += settings.feedPerSite;
  }
  // The new site's camera comes online after the others: its images are at the end of the stream.
  shuffleInPlace(createRng(settings.seed + 1), feedRows);
  feedRows.push(...(await writeImages(train, next, settings.newSiteFeed, NEW_SITE, 'feed')));
  const testRows: string[] = [];
  let nextTest = 0;
  for (const site of sites) {
    testRows.push(...(await writeImages(test, nextTest, settings.testPerSite, site, 'test')));
    nextTest += settings.testPerSite;
  }
  await writeFile(prepared.trainCsv, [CSV_HEADER, ...trainRows].join('\n') + '\n');
  await writeFile(prepared.initialTrainCsv, [CSV_HEADER, ...trainRows].join('\n') + '\n');
  await writeFile(prepared.feedCsv, [CSV_HEADER, ...feedRows].join('\n') + '\n');
  await writeFile(prepared.testCsv, [CSV_HEADER, ...testRows].join('\n') + '\n');
  await writeFile(marker, JSON.stringify(settings));
  return prepared;
}

