/** What the knowledge base server and its clients agree on (no server code: workers import this without SQLite). */
import path from 'node:path';

export const KB_BASE_PATH = '/knowledgebase';
export const DEFAULT_KB_PORT = 9020;

/** The download path the original answered for a file of the KB folder. */
export function downloadPath(relative: string, name = path.posix.basename(relative)): string {
  return `/file/download?files=${encodeURIComponent(relative)}&name=${encodeURIComponent(name)}`;
}
