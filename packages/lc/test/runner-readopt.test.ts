import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PodStatus } from '@sedna/api';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessRunner, type RunnablePod } from '../src/runner/index.js';
import { nodePod, processAlive, StatusLog, tempDir, waitFor } from './runner-helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');

/** A local controller in its own process, running `pod`; its statuses are collected from stdout. */
function startHost(dataDir: string, pod: RunnablePod): { host: ChildProcess; statuses: PodStatus[] } {
  const podFile = path.join(dataDir, 'pod-to-run.json');
  writeFileSync(podFile, JSON.stringify(pod));
  const host = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', path.join(here, 'runner-host.fixture.ts'), dataDir, podFile], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const statuses: PodStatus[] = [];
  let buffered = '';
  host.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) statuses.push(JSON.parse(line) as PodStatus);
  });
  return { host, statuses };
}

async function sigkill(host: ChildProcess): Promise<void> {
  if (host.exitCode !== null || host.signalCode !== null) return;
  const exited = new Promise((resolve) => host.once('exit', resolve));
  host.kill('SIGKILL');
  await exited;
}

describe('ProcessRunner survives a SIGKILLed local controller', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function setUp(): { dataDir: string; work: string } {
    const data = tempDir('readopt');
    const work = tempDir('readopt-work');
    cleanups.push(data.remove, work.remove);
    return { dataDir: data.dir, work: work.dir };
  }

  function newRunner(dataDir: string): { runner: ProcessRunner; statuses: StatusLog } {
    const statuses = new StatusLog();
    const runner = new ProcessRunner({ dataDir, hostIP: '127.0.0.1', onStatus: statuses.onStatus, livenessPollMs: 50, maxGracePeriodSeconds: 1, warn: () => {} });
    cleanups.push(async () => {
      await runner.stopAll({ gracePeriodSeconds: 0 });
      runner.close();
    });
    return { runner, statuses };
  }

  // A worker that logs, writes its pid, and exits with code 7 once the file `go` appears in its working dir.
  const waitingWorker = `const fs = require('fs'); fs.writeFileSync('pid', String(process.pid)); console.log('started');
    const t = setInterval(() => { if (fs.existsSync('go')) { console.log('leaving'); clearInterval(t); process.exitCode = 7; } }, 20);`;

  it('re-adopts a worker that still runs and sees its exit code when it ends', async () => {
    const { dataDir, work } = setUp();
    const pod = nodePod('survivor', waitingWorker, { restartPolicy: 'Never' }, { workingDir: work });
    const { host, statuses: hostStatuses } = startHost(dataDir, pod);
    cleanups.push(() => sigkill(host));
    await waitFor('the worker running under the first LC', () => hostStatuses.some((s) => s.phase === 'Running') && existsSync(path.join(work, 'pid')));
    const workerPid = Number(readFileSync(path.join(work, 'pid'), 'utf8'));
    const startedAt = hostStatuses.find((s) => s.phase === 'Running')?.containerStatuses?.[0]?.state?.running?.startedAt;

    await sigkill(host);
    expect(processAlive(workerPid)).toBe(true); // the worker outlived its LC

    const { runner, statuses } = newRunner(dataDir);
    expect(await runner.recover()).toBe(1);
    const adopted = runner.get({ namespace: 'default', name: 'survivor' });
    expect(adopted?.uid).toBe(pod.metadata.uid);
    expect(adopted?.status.phase).toBe('Running');
    expect(adopted?.status.containerStatuses?.[0]?.state?.running?.startedAt).toBe(startedAt);
    expect(runner.hasWorker('survivor', 'default')).toBe(true);

    writeFileSync(path.join(work, 'go'), '');
    const final = await waitFor('Failed with exit code 7', () => statuses.latest('survivor')?.phase === 'Failed' && statuses.latest('survivor'));
    expect(final.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 7, reason: 'Error', startedAt });
    expect(processAlive(workerPid)).toBe(false);
    // The worker kept logging to its file while no LC was there.
    expect(await runner.logs({ namespace: 'default', name: 'survivor' })).toBe('started\nleaving\n');
    // Sending the same pod again (the GM's resync) changes nothing.
    await runner.run(pod);
    expect(runner.get({ namespace: 'default', name: 'survivor' })?.status.phase).toBe('Failed');
  });

  it('learns the exit code of a worker that ended while no LC was running, and applies the restart policy', async () => {
    const { dataDir, work } = setUp();
    const pod = nodePod('gone-meanwhile', waitingWorker, { restartPolicy: 'OnFailure' }, { workingDir: work });
    const { host, statuses: hostStatuses } = startHost(dataDir, pod);
    cleanups.push(() => sigkill(host));
    await waitFor('the worker running under the first LC', () => hostStatuses.some((s) => s.phase === 'Running') && existsSync(path.join(work, 'pid')));
    const workerPid = Number(readFileSync(path.join(work, 'pid'), 'utf8'));
    await sigkill(host);
    writeFileSync(path.join(work, 'go'), '');
    // The wrapper records the exit status just after the worker ends; wait for the wrapper too, else the new LC may
    // still find it alive and (rightly) adopt a running pod, which is the first test's case, not this one.
    const wrapperPid = Number(readFileSync(path.join(dataDir, 'pods', `default_gone-meanwhile_${pod.metadata.uid}`, 'pid'), 'utf8'));
    await waitFor('the worker and its wrapper to end', () => !processAlive(workerPid) && !processAlive(wrapperPid));

    // The GM resends the pod to the new LC before anyone called recover(): run() re-adopts instead of starting twice.
    const { runner, statuses } = newRunner(dataDir);
    await runner.run(pod);
    const restarted = await waitFor('a restart', () =>
      statuses.of('gone-meanwhile').find((s) => s.containerStatuses?.[0]?.restartCount === 1),
    );
    // The first crash restarts at once (as a kubelet), with the run that ended while away as lastState.
    expect(statuses.of('gone-meanwhile')[0]?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');
    expect(statuses.of('gone-meanwhile')[0]?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 7, reason: 'Error' });
    expect(restarted.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(7);
  });
  it('reports ContainerStatusUnknown for a worker killed outright (no exit status left) while no LC was running', async () => {
    const { dataDir, work } = setUp();
    const pod = nodePod('vanished', waitingWorker, { restartPolicy: 'Never' }, { workingDir: work });
    const { host, statuses: hostStatuses } = startHost(dataDir, pod);
    cleanups.push(() => sigkill(host));
    await waitFor('the worker running under the first LC', () => hostStatuses.some((s) => s.phase === 'Running') && existsSync(path.join(work, 'pid')));
    await sigkill(host);
    // SIGKILL the whole group (wrapper included), so that no exit status gets written.
    const podDir = path.join(dataDir, 'pods', `default_vanished_${pod.metadata.uid}`);
    const wrapperPid = Number(readFileSync(path.join(podDir, 'pid'), 'utf8'));
    process.kill(-wrapperPid, 'SIGKILL');
    await waitFor('the group to be gone', () => !processAlive(wrapperPid));

    const { runner } = newRunner(dataDir);
    await runner.recover();
    const status = runner.get({ namespace: 'default', name: 'vanished' })?.status;
    expect(status?.phase).toBe('Failed');
    expect(status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'ContainerStatusUnknown' });
  });
});
