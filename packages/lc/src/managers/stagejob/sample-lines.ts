/**
 * What a sample line of an incremental or lifelong learning dataset must look like. The dataset manager counts every
 * non-blank line; training needs labelled samples, so the manager checks each new line before accounting it:
 * - txt: `path label`, exactly two whitespace-separated columns (the lib's txt reader refuses other lines too);
 * - csv: as many fields as the header (quoted fields may hold commas).
 * A malformed line is skipped, counted and reported; it never stops the job.
 */
import type { LineCheck } from './sample-ledger.js';

export type SampleFormat = 'txt' | 'csv';

export function sampleFormat(format: string | undefined): SampleFormat {
  return format?.toLowerCase() === 'csv' ? 'csv' : 'txt';
}

export function sampleLineCheck(format: SampleFormat, header?: string): LineCheck {
  if (format === 'txt') {
    return (line) => {
      const columns = line.trim().split(/\s+/).filter((c) => c !== '').length;
      if (columns === 2) return undefined;
      return columns === 1 ? 'has no label (expected "path label")' : `has ${columns} columns (expected "path label")`;
    };
  }
  const expected = header === undefined ? undefined : csvFieldCount(header);
  return (line) => {
    const fields = csvFieldCount(line);
    if (fields === undefined) return 'has an unterminated quoted field';
    if (expected !== undefined && fields !== expected) return `has ${fields} fields, the header has ${expected}`;
    return undefined;
  };
}

/** Fields of one CSV line (RFC 4180 quoting); undefined when a quote is not closed. */
export function csvFieldCount(line: string): number | undefined {
  let fields = 1;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') i++;
        else quoted = false;
      }
    } else if (c === '"') quoted = true;
    else if (c === ',') fields++;
  }
  return quoted ? undefined : fields;
}
