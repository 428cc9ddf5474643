import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * Process identity checks through Linux's /proc. A pid alone is not an identity (pids are reused), so a worker
 * process is recognised by its pid, its start time (field 22 of /proc/<pid>/stat, in clock ticks since boot) and
 * a marker in its command line (the wrapper gets its pod folder as an argument).
 * Without /proc (not Linux) only liveness can be checked; re-adoption then trusts the pid.
 */
const HAS_PROC = existsSync('/proc/self/stat');

export interface ProcessIdentity {
  pid: number;
  /** Start time from /proc/<pid>/stat; absent when it could not be read. */
  procStart?: string;
}

interface ProcStat {
  state: string;
  processGroup: string;
  startTime: string;
}

function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const [state, , processGroup] = fields;
  const startTime = fields[19];
  if (state === undefined || processGroup === undefined || startTime === undefined) return undefined;
  return { state, processGroup, startTime };
}

/** Start time of a live process, to record next to its pid. */
export function readProcStart(pid: number): string | undefined {
  return readProcStat(pid)?.startTime;
}

/**
 * True when `identity` still names a live process of ours: same start time when one was recorded, and `marker`
 * among its arguments. A zombie counts as ended.
 */
export function isOurLiveProcess(identity: ProcessIdentity, marker: string): boolean {
  if (!HAS_PROC) return signalsReach(identity.pid);
  const stat = readProcStat(identity.pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  if (identity.procStart !== undefined && stat.startTime !== identity.procStart) return false;
  try {
    return readFileSync(`/proc/${identity.pid}/cmdline`, 'utf8').split('\0').includes(marker);
  } catch {
    return false;
  }
}

/**
 * True while a process of group `pgid` is alive. Zombies do not count: where pid 1 does not reap orphans
 * (minimal container or VM inits), killed workers linger as zombies that signals still "reach".
 */
export function groupHasLiveMembers(pgid: number): boolean {
  if (!HAS_PROC) return signalsReach(-pgid);
  const group = String(pgid);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat && stat.processGroup === group && stat.state !== 'Z' && stat.state !== 'X') return true;
  }
  return false;
}

function signalsReach(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Sends `signal` to every process of the group `pgid`; false when the group is gone (or, should the id now belong
 * to someone else's group, not ours to signal).
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
