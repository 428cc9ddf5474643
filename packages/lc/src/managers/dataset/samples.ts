import { DatasetError } from './dataset-error.js';

export type DatasetFormat = 'txt' | 'csv';

/** The format of a Dataset's spec.format, case-insensitive. */
export function datasetFormat(format: string): DatasetFormat {
  const lower = format.toLowerCase();
  if (lower === 'txt' || lower === 'csv') return lower;
  throw new DatasetError('UnsupportedFormat', `dataset format "${format}" is not supported; use txt or csv`);
}

export interface ParsedSamples {
  /** The csv header line; absent for txt, or for a csv without any line. */
  header?: string;
  /** One entry per sample line, without its line ending. */
  samples: string[];
}

/**
 * Splits a dataset index file into samples: every non-blank line of a txt file; every non-blank line after the
 * header (the first non-blank line) of a csv file. A blank line is no sample: files often end with one or two.
 */
export function parseSamples(text: string, format: DatasetFormat): ParsedSamples {
  const content = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = content.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (format === 'txt') return { samples: lines };
  const [header, ...samples] = lines;
  return header === undefined ? { samples: [] } : { header, samples };
}
