/**
 * Owner-only files: the control plane and the LCs write secrets (the API server's SQLite database and its WAL and
 * shared-memory side files hold Secrets; the LC outbox and pod files hold workers' environment; container logs hold
 * whatever a worker printed). A umask of 077 makes every file they create owner-only, including the side files
 * SQLite creates itself; restrictTree fixes files an older version left readable.
 */
import { chmodSync, closeSync, existsSync, lstatSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Sets the process umask to 077 (files 0600, folders 0700 from now on) and returns the previous one. */
export function ownerOnlyFiles(): number {
  return process.umask(0o077);
}

/**
 * Removes group and other permissions from every file and folder under `root` (symbolic links are not followed).
 * Returns how many modes it changed.
 */
export function restrictTree(root: string): number {
  if (!existsSync(root)) return 0;
  let changed = 0;
  const stack = [root];
  while (stack.length > 0) {
    const path = stack.pop()!;
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      continue; // gone meanwhile
    }
    if (stat.isSymbolicLink()) continue;
    const mode = stat.mode & 0o7777;
    if ((mode & 0o077) !== 0) {
      try {
        chmodSync(path, mode & 0o700);
        changed++;
      } catch {
        // Not ours (another user's file in a shared folder): leave it.
      }
    }
    if (stat.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(path);
      } catch {
        continue;
      }
      for (const name of names) stack.push(join(path, name));
    }
  }
  return changed;
}

/**
 * Makes a SQLite database file owner-only before it is opened: SQLite creates its WAL and shared-memory side files
 * with the database file's permissions, so they follow. Side files left readable by an older version are fixed too.
 */
export function ownerOnlyDatabaseFile(path: string): void {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) return;
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    try {
      chmodSync(file, 0o600);
    } catch {
      // that side file does not exist (yet)
    }
  }
}
