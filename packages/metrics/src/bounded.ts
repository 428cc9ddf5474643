/**
 * Label values must stay few: a label that takes a sample id, a URL or a user's free text makes a new time series
 * per value and swamps the scraper. Labels that name objects (a job, a pod, a node) are bounded by how many of them
 * exist; labels from open sets go through one of these guards.
 */

/** The value itself when it is one of `allowed`, else `other`. */
export function oneOf<T extends string>(value: string, allowed: readonly T[]): T | 'other' {
  return (allowed as readonly string[]).includes(value) ? (value as T) : 'other';
}

/**
 * Keeps at most `limit` distinct values of one label for the life of the process; later new values become
 * `other`. For labels whose values are names from the outside world that are few in practice (cameras, tasks).
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new Error(`BoundedLabel: limit must be >= 1, got ${limit}`);
  }

  value(raw: string): string {
    if (this.seen.has(raw)) return raw;
    if (this.seen.size >= this.limit) return 'other';
    this.seen.add(raw);
    return raw;
  }
}

/** The class of an HTTP status code ("2xx"...), which is all a request counter needs. */
export function statusClass(code: number): string {
  return code >= 100 && code < 600 ? `${Math.floor(code / 100)}xx` : 'other';
}
