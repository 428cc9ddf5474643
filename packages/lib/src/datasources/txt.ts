/**
 * The txt index format of Sedna datasets: one sample per line, `path [label]`, whitespace separated
 * (the original `TxtDataParse`). Relative paths are resolved here, where the original left it to a
 * per-example callback: against the index file's folder, or against `dataPathPrefix` when given
 * (DATA_PATH_PREFIX, the folder host datasets are mounted under in a worker).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { BaseDataSource, assertDataSourceType, type DataSourceType } from './base.js';
import { DataParseError, MalformedLines, type MalformedPolicy, type SkippedLine } from './malformed.js';

/** One non-empty line of an index file, split into its columns. */
export interface TxtIndexRow {
  readonly file: string;
  readonly line: number;
  readonly columns: readonly string[];
}

/** Splits index text into rows; blank lines are skipped, as in the original. */
export function splitTxtIndex(text: string, file: string): TxtIndexRow[] {
  const rows: TxtIndexRow[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const columns = (lines[i] ?? '').trim().split(/\s+/).filter((c) => c.length > 0);
    if (columns.length > 0) rows.push({ file, line: i + 1, columns });
  }
  return rows;
}

/** Reads an index file's rows without interpreting them (the original's `use_raw=True`). */
export async function readTxtIndexRows(file: string): Promise<TxtIndexRow[]> {
  return splitTxtIndex(await readIndexFile(file), file);
}

export type LabelKind = 'string' | 'integer';

export interface TxtIndexOptions {
  dataType: DataSourceType;
  /** How labels are read: kept as text (default) or parsed as integers (class ids). */
  labels?: LabelKind;
  /** Resolve relative sample paths against this folder instead of the index file's folder. */
  dataPathPrefix?: string;
  /** Leave paths exactly as written (default: resolve relative ones). */
  keepPathsAsWritten?: boolean;
  /**
   * Label for a train/eval line that has none. The original silently used 0; here a missing label is
   * a malformed line unless a default is given explicitly.
   */
  defaultLabel?: string;
  onMalformed?: MalformedPolicy;
}

/** Where a sample came from, for error messages further down the pipeline. */
export interface SampleOrigin {
  readonly file: string;
  readonly line: number;
}

export class TxtDataSource<Y extends string | number> extends BaseDataSource<string, Y> {
  constructor(
    dataType: DataSourceType,
    x: readonly string[],
    y: readonly Y[],
    readonly origins: readonly SampleOrigin[],
    /** Lines skipped under `onMalformed: 'skip'`. */
    readonly skipped: readonly SkippedLine[],
  ) {
    super(dataType, x, y);
  }
}

export function parseTxtIndex(
  files: string | readonly string[],
  options: TxtIndexOptions & { labels: 'integer' },
): Promise<TxtDataSource<number>>;
export function parseTxtIndex(files: string | readonly string[], options: TxtIndexOptions): Promise<TxtDataSource<string>>;
export async function parseTxtIndex(
  files: string | readonly string[],
  options: TxtIndexOptions,
): Promise<TxtDataSource<string> | TxtDataSource<number>> {
  const list = typeof files === 'string' ? [files] : files;
  const texts = await Promise.all(list.map(async (file) => ({ file, text: await readIndexFile(file) })));
  return parseTxtIndexText(texts, options);
}

/** The same as `parseTxtIndex` for index text already in memory (`file` names it in errors and anchors paths). */
export function parseTxtIndexText(
  inputs: readonly { file: string; text: string }[],
  options: TxtIndexOptions,
): TxtDataSource<string> | TxtDataSource<number> {
  assertDataSourceType(options.dataType, 'options.dataType');
  const labelKind = options.labels ?? 'string';
  if (labelKind !== 'string' && labelKind !== 'integer') {
    throw new Error(`options.labels must be 'string' or 'integer'; got ${JSON.stringify(labelKind)}`);
  }
  const malformed = new MalformedLines(options.onMalformed);
  const wantLabels = options.dataType !== 'test';
  const x: string[] = [];
  const y: (string | number)[] = [];
  const origins: SampleOrigin[] = [];

  for (const { file, text } of inputs) {
    const base = options.dataPathPrefix ?? path.dirname(path.resolve(file));
    for (const row of splitTxtIndex(text, file)) {
      const [samplePath, label, ...extra] = row.columns;
      if (samplePath === undefined) continue;
      if (extra.length > 0) {
        malformed.report(file, row.line, `expected "path [label]", found ${row.columns.length} columns`);
        continue;
      }
      let parsedLabel: string | number | undefined;
      if (wantLabels) {
        const text = label ?? options.defaultLabel;
        if (text === undefined) {
          malformed.report(file, row.line, `sample "${samplePath}" has no label (a ${options.dataType} index needs one)`);
          continue;
        }
        if (labelKind === 'integer') {
          if (!/^-?\d+$/.test(text)) {
            malformed.report(file, row.line, `label "${text}" is not an integer`);
            continue;
          }
          parsedLabel = Number(text);
        } else {
          parsedLabel = text;
        }
      }
      x.push(options.keepPathsAsWritten ? samplePath : resolveSamplePath(samplePath, base));
      if (parsedLabel !== undefined) y.push(parsedLabel);
      origins.push({ file, line: row.line });
    }
  }
  return labelKind === 'integer'
    ? new TxtDataSource<number>(options.dataType, x, y as number[], origins, malformed.lines)
    : new TxtDataSource<string>(options.dataType, x, y as string[], origins, malformed.lines);
}

/** Absolute paths and URLs stay as they are; relative paths are joined to `base`. */
export function resolveSamplePath(samplePath: string, base: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(samplePath) || path.isAbsolute(samplePath)) return samplePath;
  return path.resolve(base, samplePath);
}

async function readIndexFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new DataParseError(file, undefined, `cannot read index file: ${(err as Error).message}`);
  }
}
