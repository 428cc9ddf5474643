/**
 * Searching pod logs for a word: every line containing it (case-insensitive), with its pod and time. The time is
 * the line's own when it starts with an RFC 3339 / ISO 8601 timestamp (what the Sedna components and most loggers
 * print), else the time its file was last written (`timeFrom: "file"`: the line was written at or before it).
 * `since` keeps lines at or after that moment; a file last written before it is skipped unread.
 */
import { podLogFiles, readLogFile, type PodLogFile } from './log-files.js';

export interface LogSearchQuery {
  /** The word (any substring), matched case-insensitively. */
  word: string;
  namespace?: string;
  pod?: string;
  since?: Date;
  /** At most this many matches (default 1000). */
  limit?: number;
}

export interface LogMatch {
  namespace: string;
  pod: string;
  time: string;
  timeFrom: 'line' | 'file';
  line: string;
}

const LEADING_TIME = /^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/;

export function lineTime(line: string): Date | undefined {
  const m = LEADING_TIME.exec(line);
  if (!m) return undefined;
  const t = Date.parse(m[1]!.replace(' ', 'T'));
  return Number.isFinite(t) ? new Date(t) : undefined;
}

/** Parses `--since` values: 90s, 15m, 1h, 2d, or a timestamp. */
export function parseSince(value: string, now = Date.now()): Date {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(value.trim());
  if (m) return new Date(now - Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2] as 's' | 'm' | 'h' | 'd']);
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new Error(`since must be a duration (90s, 15m, 1h, 2d) or a timestamp, got ${JSON.stringify(value)}`);
  return new Date(t);
}

export function matchesIn(file: PodLogFile, text: string, query: LogSearchQuery, room: number): LogMatch[] {
  const word = query.word.toLowerCase();
  const out: LogMatch[] = [];
  for (const line of text.split('\n')) {
    if (out.length >= room) break;
    if (!line.toLowerCase().includes(word)) continue;
    const own = lineTime(line);
    const time = own ?? file.modified;
    if (query.since && time < query.since) continue;
    out.push({ namespace: file.namespace, pod: file.pod, time: time.toISOString(), timeFrom: own ? 'line' : 'file', line });
  }
  return out;
}

/** Calls `emit` for each match, pod by pod, oldest file first; stops at the limit. */
export async function searchPodLogs(podsRoot: string, query: LogSearchQuery, emit: (match: LogMatch) => void): Promise<number> {
  if (!query.word) throw new Error('the search needs a word (q)');
  const limit = query.limit ?? 1000;
  let found = 0;
  for (const file of await podLogFiles(podsRoot)) {
    if (found >= limit) break;
    if (query.namespace && file.namespace !== query.namespace) continue;
    if (query.pod && file.pod !== query.pod) continue;
    if (query.since && file.modified < query.since) continue;
    for (const match of matchesIn(file, await readLogFile(file), query, limit - found)) {
      emit(match);
      found++;
    }
  }
  return found;
}
