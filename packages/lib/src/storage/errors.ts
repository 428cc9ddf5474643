/** A storage failure that says which URL, which operation and why. */

export type StorageOperation = 'download' | 'upload' | 'exists' | 'read' | 'write' | 'list';

export class StorageError extends Error {
  readonly url: string;
  readonly operation: StorageOperation;
  readonly reason: string;

  constructor(operation: StorageOperation, url: string, reason: string, options?: { cause?: unknown }) {
    const shown = redactUrl(url);
    super(`${operation} ${shown} failed: ${reason}`, options);
    this.name = 'StorageError';
    this.url = shown;
    this.operation = operation;
    this.reason = reason;
  }
}

/** Hides a password written into an http(s) URL, so it does not end up in logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]*)@/i, (_m, scheme: string, userinfo: string) => {
    const user = userinfo.split(':')[0] ?? '';
    return `${scheme}${user}:***@`;
  });
}

/** A short reason from any thrown value, with the system error code when there is one. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    const cause = (err as { cause?: unknown }).cause;
    const causeText = cause instanceof Error && cause.message && !err.message.includes(cause.message) ? ` (${cause.message})` : '';
    if (code && !err.message.includes(code)) return `${code}: ${err.message}${causeText}`;
    return `${err.message}${causeText}`;
  }
  return String(err);
}
