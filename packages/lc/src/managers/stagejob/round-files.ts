/**
 * The files of a round under the job's outputDir (the original's layout):
 *   data/train/<round>/data.txt   the round's train samples, one line each, as in the dataset
 *   data/eval/<round>/data.txt    the round's eval samples
 *   train/<round>/                where the train worker saves the round's model (MODEL_URL)
 * A csv dataset gives `data.csv` with the header line first (the original could not write csv rounds).
 * `dataIndex.txt` (the dataset's folder on the first line, then the samples) is written next to the data file
 * only for a remote dataset, as in the original, so workers can find the files the relative lines name.
 */
import { mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';
import type { SampleFormat } from './sample-lines.js';

export type RoundKind = 'train' | 'eval';

export interface RoundDataRequest {
  /** outputDir as a host path (what messages carry). */
  outputDir: string;
  kind: RoundKind;
  round: number;
  lines: readonly string[];
  format: SampleFormat;
  header?: string;
  /** For a remote dataset: the URL of its folder, the first line of dataIndex.txt. */
  indexPrefix?: string;
}

export interface RoundDataFiles {
  /** Host paths, for the upstream message. */
  dataURL: string;
  dataIndexURL?: string;
}

/** Host paths of the round's files. */
export function roundPaths(outputDir: string, kind: RoundKind, round: number, format: SampleFormat): { dir: string; data: string; index: string } {
  const dir = path.posix.join(outputDir, 'data', kind, String(round));
  return { dir, data: path.posix.join(dir, format === 'csv' ? 'data.csv' : 'data.txt'), index: path.posix.join(dir, 'dataIndex.txt') };
}

/** The train worker's output folder of a round (host path). */
export function trainOutputDir(outputDir: string, round: number): string {
  return path.posix.join(outputDir, 'train', String(round));
}

/**
 * Writes a round's data file (and index) through `local`, which maps a host path to where this LC writes it.
 * Returns the host paths.
 */
export async function writeRoundData(request: RoundDataRequest, local: (hostPath: string) => string): Promise<RoundDataFiles> {
  const paths = roundPaths(request.outputDir, request.kind, request.round, request.format);
  await mkdir(local(paths.dir), { recursive: true });
  const body = request.format === 'csv' && request.header !== undefined ? [request.header, ...request.lines] : request.lines;
  await writeLines(local(paths.data), body);
  if (request.indexPrefix === undefined) return { dataURL: paths.data };
  await writeLines(local(paths.index), [request.indexPrefix, ...request.lines]);
  return { dataURL: paths.data, dataIndexURL: paths.index };
}

/** Creates the outputDir layout the original creates when a job starts. */
export async function createOutputLayout(localOutputDir: string): Promise<void> {
  for (const sub of ['data/train', 'data/eval', 'train', 'eval']) await mkdir(path.join(localOutputDir, sub), { recursive: true });
}

/** One line per entry, newline-terminated, replacing the file atomically. */
export async function writeLines(file: string, lines: readonly string[]): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(lines.length === 0 ? '' : lines.join('\n') + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}
