import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new empty folder under the system's temp folder, named `<prefix><random>`. */
export function tempDir(prefix = 'sedna-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A new empty folder and the function that removes it (with everything in it). */
export function tempFolder(prefix = 'sedna-test-'): { dir: string; remove: () => void } {
  const dir = tempDir(prefix);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
