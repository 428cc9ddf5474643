/**
 * What a parser does with a line it cannot read: fail naming the file and line (the default), or skip
 * it and count it so the caller can report how much of its data was unusable.
 */

export type MalformedPolicy = 'error' | 'skip';

export interface SkippedLine {
  readonly file: string;
  /** 1-based line number in `file`. */
  readonly line: number;
  readonly reason: string;
}

export class DataParseError extends Error {
  readonly file: string;
  readonly line: number | undefined;

  constructor(file: string, line: number | undefined, reason: string) {
    super(line === undefined ? `${file}: ${reason}` : `${file}:${line}: ${reason}`);
    this.name = 'DataParseError';
    this.file = file;
    this.line = line;
  }
}

/** Collects skipped lines under the 'skip' policy; throws under 'error'. */
export class MalformedLines {
  private readonly skipped: SkippedLine[] = [];

  constructor(private readonly policy: MalformedPolicy = 'error') {
    if (policy !== 'error' && policy !== 'skip') {
      throw new Error(`onMalformed must be 'error' or 'skip'; got ${JSON.stringify(policy)}`);
    }
  }

  report(file: string, line: number, reason: string): void {
    if (this.policy === 'error') throw new DataParseError(file, line, reason);
    this.skipped.push({ file, line, reason });
  }

  get lines(): readonly SkippedLine[] {
    return this.skipped;
  }
}
