/**
 * CSV datasets (the original `CSVDataParse`): a header line, one sample per record, and optionally a
 * label column taken out of the features by name. Quoted fields follow RFC 4180 (a field may hold
 * the delimiter, a doubled quote or a line break).
 */
import { readFile } from 'node:fs/promises';

import type { Tensor } from '../core/estimator.js';
import { BaseDataSource, assertDataSourceType, type DataSourceType } from './base.js';
import { DataParseError, MalformedLines, type MalformedPolicy, type SkippedLine } from './malformed.js';
import type { LabelKind, SampleOrigin } from './txt.js';

export interface CsvRecord {
  /** 1-based line the record starts on. */
  readonly line: number;
  readonly fields: readonly string[];
}

/**
 * Splits CSV text into records. Blank lines are skipped. A record with broken quoting is reported to
 * `malformed` and dropped up to the end of its line.
 */
export function tokenizeCsv(text: string, file: string, malformed: MalformedLines, delimiter = ','): CsvRecord[] {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new Error(`CSV delimiter must be one character other than a quote or line break; got ${JSON.stringify(delimiter)}`);
  }
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  // Skips the rest of the physical line after a quoting error, keeping the line count right.
  const skipToLineEnd = (): void => {
    while (i < n && text[i] !== '\n') i++;
    if (i < n) {
      i++;
      line++;
    }
  };

  recordLoop: while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    for (;;) {
      if (i < n && text[i] === '"' && field.length === 0) {
        // Quoted field: read until the closing quote.
        i++;
        for (;;) {
          if (i >= n) {
            malformed.report(file, startLine, 'unterminated quoted field');
            break recordLoop;
          }
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        const after = text[i];
        if (i < n && after !== delimiter && after !== '\n' && after !== '\r') {
          malformed.report(file, line, `unexpected ${JSON.stringify(after)} after a closing quote`);
          skipToLineEnd();
          continue recordLoop;
        }
      }
      // Unquoted part (or what follows a quoted field): up to the delimiter or line end.
      while (i < n && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') {
        field += text[i];
        i++;
      }
      fields.push(field);
      field = '';
      if (i < n && text[i] === delimiter) {
        i++;
        continue;
      }
      // End of record: CRLF, LF, lone CR or end of text.
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    const blank = fields.length === 1 && fields[0] === '';
    if (!blank) records.push({ line: startLine, fields });
  }
  return records;
}

export interface CsvOptions {
  dataType: DataSourceType;
  /** Name of the label column, taken out of the features. Without it the source has no labels. */
  label?: string;
  labels?: LabelKind;
  /** Feature columns to keep (default: every column but the label). */
  columns?: readonly string[];
  delimiter?: string;
  onMalformed?: MalformedPolicy;
}

export type CsvRow = Readonly<Record<string, string>>;

export class CsvDataSource<Y extends string | number> extends BaseDataSource<CsvRow, Y> {
  constructor(
    dataType: DataSourceType,
    x: readonly CsvRow[],
    y: readonly Y[],
    /** The feature columns, in header order. */
    readonly columns: readonly string[],
    readonly origins: readonly SampleOrigin[],
    readonly skipped: readonly SkippedLine[],
  ) {
    super(dataType, x, y);
  }
}

export function parseCsv(files: string | readonly string[], options: CsvOptions & { labels: 'integer' }): Promise<CsvDataSource<number>>;
export function parseCsv(files: string | readonly string[], options: CsvOptions): Promise<CsvDataSource<string>>;
export async function parseCsv(
  files: string | readonly string[],
  options: CsvOptions,
): Promise<CsvDataSource<string> | CsvDataSource<number>> {
  const list = typeof files === 'string' ? [files] : files;
  const inputs = await Promise.all(
    list.map(async (file) => {
      try {
        return { file, text: await readFile(file, 'utf8') };
      } catch (err) {
        throw new DataParseError(file, undefined, `cannot read CSV file: ${(err as Error).message}`);
      }
    }),
  );
  return parseCsvText(inputs, options);
}

/** The same as `parseCsv` for CSV text already in memory. Every input must have the same feature columns. */
export function parseCsvText(
  inputs: readonly { file: string; text: string }[],
  options: CsvOptions,
): CsvDataSource<string> | CsvDataSource<number> {
  assertDataSourceType(options.dataType, 'options.dataType');
  const labelKind = options.labels ?? 'string';
  const malformed = new MalformedLines(options.onMalformed);
  const x: CsvRow[] = [];
  const y: (string | number)[] = [];
  const origins: SampleOrigin[] = [];
  let featureColumns: string[] | undefined;

  for (const { file, text } of inputs) {
    const records = tokenizeCsv(text.replace(/^\uFEFF/, ''), file, malformed, options.delimiter);
    const header = records.shift();
    if (!header) throw new DataParseError(file, undefined, 'no header line');
    const names = header.fields.map((f) => f.trim());
    const seen = new Set<string>();
    for (const name of names) {
      if (name === '') throw new DataParseError(file, header.line, 'the header has an empty column name');
      if (seen.has(name)) throw new DataParseError(file, header.line, `the header repeats column "${name}"`);
      seen.add(name);
    }
    const labelIndex = options.label === undefined ? -1 : names.indexOf(options.label);
    const wantLabels = options.label !== undefined && options.dataType !== 'test';
    if (wantLabels && labelIndex < 0) {
      throw new DataParseError(file, header.line, `label column "${options.label}" is not in the header (${names.join(', ')})`);
    }
    const features = (options.columns ?? names.filter((_, k) => k !== labelIndex)).slice();
    for (const column of features) {
      if (!seen.has(column)) throw new DataParseError(file, header.line, `column "${column}" is not in the header (${names.join(', ')})`);
    }
    if (featureColumns === undefined) featureColumns = features;
    else if (featureColumns.join('\u0000') !== features.join('\u0000')) {
      throw new DataParseError(file, header.line, `feature columns differ from the first file's (${featureColumns.join(', ')})`);
    }
    const indexOf = new Map(names.map((name, k) => [name, k]));

    for (const record of records) {
      if (record.fields.length !== names.length) {
        malformed.report(file, record.line, `expected ${names.length} fields, found ${record.fields.length}`);
        continue;
      }
      let label: string | number | undefined;
      if (wantLabels) {
        const raw = (record.fields[labelIndex] ?? '').trim();
        if (raw === '') {
          malformed.report(file, record.line, `empty label in column "${options.label}"`);
          continue;
        }
        if (labelKind === 'integer') {
          if (!/^-?\d+$/.test(raw)) {
            malformed.report(file, record.line, `label "${raw}" in column "${options.label}" is not an integer`);
            continue;
          }
          label = Number(raw);
        } else {
          label = raw;
        }
      }
      const row: Record<string, string> = {};
      for (const column of features) row[column] = record.fields[indexOf.get(column) ?? -1] ?? '';
      x.push(row);
      if (label !== undefined) y.push(label);
      origins.push({ file, line: record.line });
    }
  }
  const columns = featureColumns ?? [];
  return labelKind === 'integer'
    ? new CsvDataSource<number>(options.dataType, x, y as number[], columns, origins, malformed.lines)
    : new CsvDataSource<string>(options.dataType, x, y as string[], columns, origins, malformed.lines);
}

/**
 * The numeric features of a CSV source as a [samples, columns] tensor. A value that is not a number
 * is an error naming its file, line and column.
 */
export function csvFeatureTensor(source: CsvDataSource<string | number>, columns: readonly string[] = source.columns): Tensor {
  const data = new Float32Array(source.x.length * columns.length);
  source.x.forEach((row, r) => {
    columns.forEach((column, c) => {
      const raw = row[column];
      const origin = source.origins[r];
      if (raw === undefined) throw new Error(`column "${column}" is not a feature column of this CSV source`);
      const value = raw.trim() === '' ? Number.NaN : Number(raw);
      if (!Number.isFinite(value)) {
        throw new DataParseError(origin?.file ?? '<csv>', origin?.line, `column "${column}": ${JSON.stringify(raw)} is not a number`);
      }
      data[r * columns.length + c] = value;
    });
  });
  return { data, shape: [source.x.length, columns.length] };
}
