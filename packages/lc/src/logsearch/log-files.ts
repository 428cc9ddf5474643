/**
 * The one place the log search knows how pod logs lie on disk: `<runner>/pods/<ns>_<name>_<uid>/container.log`
 * plus its rotated copies `container.log.1` (newest) ... `container.log.N` (oldest), and any other
 * `container.log.*` kept beside them (a previous run's log). A change of layout is an edit here only.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parsePodDirName } from '../runner/pod-ref.js';

export interface PodLogFile {
  namespace: string;
  pod: string;
  path: string;
  /** Last write: every line in the file was written at or before it. */
  modified: Date;
}

const LIVE = 'container.log';

/** Order within a pod, oldest first: the highest rotation index first, other copies before them, the live file last. */
function rank(name: string): number {
  if (name === LIVE) return Number.MAX_SAFE_INTEGER;
  const m = /^container\.log\.(\d+)$/.exec(name);
  return m ? -Number(m[1]) : -Number.MAX_SAFE_INTEGER;
}

/** The log files of every pod folder under `podsRoot`, each pod's oldest first. */
export async function podLogFiles(podsRoot: string): Promise<PodLogFile[]> {
  const out: PodLogFile[] = [];
  const dirs = await fs.readdir(podsRoot, { withFileTypes: true }).catch(() => []);
  for (const dir of dirs) {
    if (!dir.isDirectory()) continue;
    const ref = parsePodDirName(dir.name);
    if (!ref) continue;
    const podDir = path.join(podsRoot, dir.name);
    const names = (await fs.readdir(podDir).catch(() => [] as string[])).filter((n) => n === LIVE || n.startsWith(`${LIVE}.`)).sort((a, b) => rank(a) - rank(b));
    for (const name of names) {
      const stat = await fs.stat(path.join(podDir, name)).catch(() => undefined);
      if (stat?.isFile()) out.push({ namespace: ref.namespace, pod: ref.name, path: path.join(podDir, name), modified: stat.mtime });
    }
  }
  return out;
}

/** The text of one log file ('' when it went away meanwhile, e.g. the pod was deleted). */
export async function readLogFile(file: PodLogFile): Promise<string> {
  return fs.readFile(file.path, 'utf8').catch(() => '');
}
