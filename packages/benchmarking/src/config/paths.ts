/**
 * Where relative paths in the YAML files point. Ianvs resolves them against the working directory (its examples
 * are run from the repository root); a path that does not exist there is tried next to the file that names it,
 * so a job folder can be moved as a whole.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function resolveInput(path: string, referringFile: string): string {
  if (path.startsWith('file://')) return fileURLToPath(path);
  if (isAbsolute(path)) return path;
  const fromCwd = resolve(path);
  if (existsSync(fromCwd)) return fromCwd;
  return resolve(dirname(referringFile), path);
}
