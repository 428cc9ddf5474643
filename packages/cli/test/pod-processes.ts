/**
 * The processes of the Pods the local controllers of an all-in-one data dir run, for tests: to kill a worker as a
 * crash would, and to end every worker when a test is over. Workers outlive their LC on purpose (a restarted LC
 * re-adopts them), so stopping `sedna up` leaves them running.
 */
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Pod folders of every LC: `<data dir>/nodes/<node>/runner/pods/<namespace>_<name>_<uid>/`. While the container
 * runs, the runner's `state.json` there holds the pid of the small /bin/sh wrapper it runs the worker under
 * (`lifecycle: {kind: 'running', pid}`); the wrapper leads its own process group and has the pod folder on its
 * command line, which is how the runner itself tells its process from a reused pid.
 */
export function podFolders(dataDir: string): { node: string; dir: string; name: string; uid: string; wrapperPid: number | undefined }[] {
  const found = [];
  for (const node of safeReaddir(join(dataDir, 'nodes'))) {
    const root = join(dataDir, 'nodes', node, 'runner', 'pods');
    for (const entry of safeReaddir(root)) {
      const [, name, uid] = entry.split('_');
      if (name === undefined || uid === undefined) continue;
      const dir = realpathOrUndefined(join(root, entry));
      // the LC removes the folder of a deleted pod, which may happen between the listing and here
      if (dir === undefined) continue;
      let wrapperPid: number | undefined;
      try {
        const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { lifecycle?: { kind: string; pid?: number } };
        if (state.lifecycle?.kind === 'running' && state.lifecycle.pid !== undefined && cmdline(state.lifecycle.pid).includes(dir)) wrapperPid = state.lifecycle.pid;
      } catch {
        // not started yet, or being rewritten (the runner replaces state.json by a rename)
      }
      found.push({ node, dir, name, uid, wrapperPid });
    }
  }
  return found;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** Process group and state of a process from /proc/<pid>/stat (after the command name, which may hold spaces). */
function procStat(pid: number): { state: string; group: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, group: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/**
 * The worker program's processes of a pod: the members of the wrapper's process group, other than the wrapper,
 * whose command line runs `program` (node --import tsx .../trainer.ts). That leaves out the wrapper, which must
 * live on to record the exit status for the runner, as a container runtime outlives its container's process, and
 * helpers such as tsx's esbuild service; and it still finds the program if `node` on the PATH is a shim that starts
 * the real one.
 */
export function workerPids(wrapperPid: number, program: string): number[] {
  const pids: number[] = [];
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = procStat(pid);
    if (pid === wrapperPid || stat === undefined || stat.group !== wrapperPid || stat.state === 'Z') continue;
    if (cmdline(pid).some((arg) => arg === program || arg.endsWith(`/${program}`))) pids.push(pid);
  }
  return pids;
}

function signalGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Ends (SIGKILL) every pod process group of the LCs under `dataDir`; call it before stopping the control plane.
 * Besides the wrappers the runners' state names, it ends any process whose command line holds a pod folder of
 * `dataDir`: a wrapper started just now, whose state.json does not say `running` yet, would otherwise live on and
 * write into the folder the test is about to remove.
 */
export function stopPodProcesses(dataDir: string): void {
  for (const pod of podFolders(dataDir)) if (pod.wrapperPid !== undefined) signalGroup(pod.wrapperPid);
  const podsUnder = [dataDir, realpathOrUndefined(dataDir) ?? dataDir].map((root) => join(root, 'nodes') + '/');
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const args = cmdline(pid);
    if (!args.some((arg) => arg.includes('/runner/pods/') && podsUnder.some((root) => arg.startsWith(root)))) continue;
    const group = procStat(pid)?.group;
    if (group !== undefined && group > 1 && group !== procStat(process.pid)?.group) signalGroup(group);
  }
}

/**
 * Ends a test's all-in-one control plane and every worker it ran: the pods' processes first (so that none talks to
 * a control plane going away), then the control plane (`stop`), then the pods' processes again: an LC that saw its
 * worker killed may have started it again (restartPolicy Always or OnFailure) before it stopped itself.
 */
export async function stopControlPlaneAndPods(dataDir: string | undefined, stop: () => Promise<unknown> | undefined): Promise<void> {
  if (dataDir !== undefined) stopPodProcesses(dataDir);
  await stop();
  if (dataDir !== undefined) stopPodProcesses(dataDir);
}
