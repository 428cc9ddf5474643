/**
 * The person in the loop: labels the samples the edge saved as unseen (UT_SAVED_URL/unseen_samples.csv) and adds
 * them to the Dataset, which is what makes the LC start the next training round. The example knows the true class
 * of every feed image (feed.csv), so the labelling is exact; the images are copied into the dataset's folder.
 * Rows already labelled are remembered in UT_SAVED_URL/labelled.json, so running it again adds only new ones.
 *
 *   node --import tsx label.ts <UT_SAVED_URL folder> <feed.csv> <dataset train.csv>
 */
import { existsSync } from 'node:fs';
import { appendFile, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { MalformedLines, tokenizeCsv, UNSEEN_INDEX_NAME } from './sedna-lib.js';

export interface LabelResult {
  /** Rows added to the dataset, per site. */
  bySite: Record<string, number>;
  total: number;
}

function readCsv(text: string, file: string): Record<string, string>[] {
  const [header, ...records] = tokenizeCsv(text, file, new MalformedLines());
  const names = header?.fields ?? [];
  return records.map((r) => Object.fromEntries(names.map((n, k) => [n, r.fields[k] ?? ''])));
}

export async function labelUnseenSamples(unseenDir: string, feedCsv: string, datasetCsv: string): Promise<LabelResult> {
  const indexFile = path.join(unseenDir, UNSEEN_INDEX_NAME);
  const result: LabelResult = { bySite: {}, total: 0 };
  if (!existsSync(indexFile)) return result;
  const truth = new Map(readCsv(await readFile(feedCsv, 'utf8'), feedCsv).map((row) => [path.resolve(path.dirname(feedCsv), row['image'] ?? ''), row['label'] ?? '']));
  const markerFile = path.join(unseenDir, 'labelled.json');
  const done = existsSync(markerFile) ? (JSON.parse(await readFile(markerFile, 'utf8')) as { rows: number }).rows : 0;
  const rows = readCsv(await readFile(indexFile, 'utf8'), indexFile);
  const dataDir = path.dirname(datasetCsv);
  const lines: string[] = [];
  for (const row of rows.slice(done)) {
    const source = row['source'] ?? '';
    const label = truth.get(path.resolve(source));
    if (label === undefined || label === '') throw new Error(`${indexFile}: sample ${source} is not in ${feedCsv}; the labeller cannot tell its class`);
    const site = row['site'] ?? '';
    const name = path.basename(row['sample'] ?? source);
    const target = path.join(dataDir, 'labelled', site, name);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(path.join(unseenDir, row['sample'] ?? ''), target);
    lines.push(`${path.relative(dataDir, target).split(path.sep).join('/')},${site},${label}`);
    result.bySite[site] = (result.bySite[site] ?? 0) + 1;
    result.total++;
  }
  if (lines.length > 0) await appendFile(datasetCsv, lines.join('\n') + '\n');
  await writeFile(markerFile, JSON.stringify({ rows: rows.length }));
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [unseenDir, feedCsv, datasetCsv] = process.argv.slice(2);
  if (!unseenDir || !feedCsv || !datasetCsv) {
    console.error('usage: label.ts <unseen samples folder> <feed.csv> <dataset train.csv>');
    process.exit(2);
  }
  const result = await labelUnseenSamples(unseenDir, feedCsv, datasetCsv);
  console.log(`labelled ${result.total} samples: ${JSON.stringify(result.bySite)}`);
}
