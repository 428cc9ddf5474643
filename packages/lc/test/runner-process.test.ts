import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessRunner, type ProcessRunnerOptions } from '../src/runner/index.js';
import { nodePod, processAlive, StatusLog, tempDir, waitFor } from './runner-helpers.js';

describe('ProcessRunner with real processes', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function makeRunner(overrides: Partial<ProcessRunnerOptions> = {}): { runner: ProcessRunner; statuses: StatusLog; dataDir: string } {
    const data = tempDir('runner');
    const statuses = new StatusLog();
    const runner = new ProcessRunner({
      dataDir: data.dir,
      hostIP: '10.1.2.3',
      onStatus: statuses.onStatus,
      restartBackoff: { initialMs: 50, maxMs: 400 },
      maxGracePeriodSeconds: 2,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LC_SECRET_NOT: undefined, GM_TOKEN: 'do-not-leak' },
      warn: () => {},
      ...overrides,
    });
    cleanups.push(async () => {
      await runner.stopAll({ gracePeriodSeconds: 0 });
      runner.close();
      data.remove();
    });
    return { runner, statuses, dataDir: data.dir };
  }

  it('runs a pod that succeeds: Pending, Running, Succeeded, with env, downward API and logs', async () => {
    const { runner, statuses } = makeRunner();
    const script = [
      'console.log(JSON.stringify({me: process.env.MY_NAME, ns: process.env.MY_NS, uid: process.env.MY_UID, node: process.env.MY_NODE,',
      '  ip: process.env.MY_IP, host: process.env.HOSTNAME, greeting: process.env.GREETING, token: process.env.GM_TOKEN ?? null,',
      '  label: process.env.MY_LABEL, argv: process.argv.slice(1), cwd: process.cwd()}));',
      'console.error("to stderr");',
    ].join('\n');
    const pod = nodePod('ok-pod', script, { restartPolicy: 'Never' }, {
      args: ['$(WHO)', '$$(WHO)', '$(UNKNOWN)'],
      env: [
        { name: 'MY_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'MY_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'MY_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
        { name: 'MY_NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'MY_LABEL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'WHO', value: 'world' },
        { name: 'GREETING', value: 'hello $(WHO)' },
      ],
    });
    pod.metadata.labels = { app: 'demo' };
    await runner.run(pod);
    const final = await waitFor('Succeeded', () => statuses.latest('ok-pod')?.phase === 'Succeeded' && statuses.latest('ok-pod'));

    const phases = statuses.of('ok-pod').map((status) => status.phase);
    expect(phases[0]).toBe('Pending');
    expect(statuses.of('ok-pod')[0]?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');
    expect(phases).toContain('Running');
    const running = statuses.of('ok-pod').find((status) => status.phase === 'Running');
    expect(running?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(running?.containerStatuses?.[0]?.state?.running?.startedAt).toMatch(/Z$/);

    const container = final.containerStatuses?.[0];
    expect(container?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(container?.restartCount).toBe(0);
    expect(container?.image).toBe('example/worker:1');
    expect(final).toMatchObject({ hostIP: '10.1.2.3', podIP: '10.1.2.3' });
    expect(final.startTime).toMatch(/Z$/);
    expect(final.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Ready', 'False', 'PodCompleted'],
      ['ContainersReady', 'False', 'PodCompleted'],
    ]);

    const log = await runner.logs({ namespace: 'default', name: 'ok-pod' });
    expect(log).toContain('to stderr');
    const printed = JSON.parse(log.split('\n').find((line) => line.startsWith('{')) ?? '{}');
    expect(printed).toMatchObject({
      me: 'ok-pod',
      ns: 'default',
      uid: pod.metadata.uid,
      node: 'edge-1',
      ip: '10.1.2.3',
      host: 'ok-pod',
      greeting: 'hello world',
      token: null,
      label: 'demo',
      argv: ['world', '$(WHO)', '$(UNKNOWN)'],
    });
    expect(printed.cwd).toContain(`default_ok-pod_${pod.metadata.uid}`);
    expect(await runner.logs('default/ok-pod', { tail: 1 })).toBe('to stderr\n');
  });

  it('a pod that fails with restartPolicy Never ends Failed with its exit code', async () => {
    const { runner, statuses } = makeRunner();
    await runner.run(nodePod('bad-pod', 'process.exit(3)', { restartPolicy: 'Never' }));
    const final = await waitFor('Failed', () => statuses.latest('bad-pod')?.phase === 'Failed' && statuses.latest('bad-pod'));
    expect(final.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(final.containerStatuses?.[0]?.restartCount).toBe(0);
    expect(statuses.of('bad-pod').some((status) => status.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff')).toBe(false);
  });

  it('OnFailure restarts a failing container with backoff until it succeeds, counting restarts', async () => {
    const { runner, statuses } = makeRunner();
    const work = tempDir('work');
    cleanups.push(work.remove);
    // Fails on its first two runs, succeeds on the third: the attempts are counted in a file of its working dir.
    const script = `const fs = require('fs'); const n = fs.existsSync('count') ? Number(fs.readFileSync('count','utf8')) + 1 : 1;
      fs.writeFileSync('count', String(n)); console.log('attempt', n); process.exit(n < 3 ? 1 : 0);`;
    await runner.run(nodePod('flaky', script, { restartPolicy: 'OnFailure' }, { workingDir: work.dir }));
    const final = await waitFor('Succeeded', () => statuses.latest('flaky')?.phase === 'Succeeded' && statuses.latest('flaky'));
    const container = final.containerStatuses?.[0];
    expect(container?.restartCount).toBe(2);
    expect(container?.state?.terminated?.exitCode).toBe(0);
    expect(container?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    const backoffs = statuses.of('flaky').filter((status) => status.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff');
    // As a kubelet: the first restart is immediate, the second waits the initial backoff.
    expect(backoffs.length).toBe(1);
    expect(backoffs.every((status) => status.phase === 'Running')).toBe(true);
    expect(backoffs[0]?.containerStatuses?.[0]?.state?.waiting?.message).toMatch(/^back-off 50ms restarting failed container=worker pod=flaky_default/);
    // Each run has its own log; the one before is kept for `kubectl logs --previous`.
    expect(await runner.logs({ namespace: 'default', name: 'flaky' })).toBe('attempt 3\n');
    expect(await runner.logs({ namespace: 'default', name: 'flaky' }, { previous: true })).toBe('attempt 2\n');
  });

  it('Always (the default) restarts even a container that exits 0', async () => {
    const { runner, statuses } = makeRunner();
    await runner.run(nodePod('looper', 'console.log("tick")'));
    await waitFor('two restarts', () => (statuses.latest('looper')?.containerStatuses?.[0]?.restartCount ?? 0) >= 2);
    const latest = statuses.latest('looper');
    expect(latest?.phase).toBe('Running');
    expect(statuses.of('looper').some((s) => s.containerStatuses?.[0]?.lastState?.terminated?.reason === 'Completed')).toBe(true);
  });

  it('keeps a pod without command or with an unsupported valueFrom waiting (CreateContainerConfigError), fails a missing workingDir, saying why', async () => {
    const { runner, statuses } = makeRunner();
    const noCommand = nodePod('no-command', '', { restartPolicy: 'Always' });
    delete noCommand.spec.containers[0]!.command;
    await runner.run(noCommand);
    const secretEnv = nodePod('secret-env', '', {}, { env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] });
    await runner.run(secretEnv);
    await runner.run(nodePod('no-dir', '', { restartPolicy: 'Never' }, { workingDir: '/nonexistent/sedna-test-dir' }));

    const configError = (name: string) => () => {
      const latest = statuses.latest(name);
      return latest?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError' ? latest : undefined;
    };
    // As on a kubelet: the pod stays Pending, its container waiting with the reason; it is retried, never Failed.
    const noCommandWaiting = await waitFor('no-command waiting', configError('no-command'));
    expect(noCommandWaiting.phase).toBe('Pending');
    expect(noCommandWaiting.containerStatuses?.[0]?.state?.waiting?.message).toMatch(/command is required in embedded mode.*example\/worker:1/);
    await expect(runner.logs({ namespace: 'default', name: 'no-command' })).rejects.toThrow('container "worker" in pod "no-command" is waiting to start: CreateContainerConfigError');

    const secretWaiting = await waitFor('secret-env waiting', configError('secret-env'));
    expect(secretWaiting.containerStatuses?.[0]?.state?.waiting?.message).toMatch(/env\[0\] \(PASSWORD\): valueFrom.secretKeyRef is not supported/);

    const noDirFinal = await waitFor('no-dir Failed', () => statuses.latest('no-dir')?.phase === 'Failed' && statuses.latest('no-dir'));
    expect(noDirFinal.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      reason: 'StartError',
      message: 'workingDir "/nonexistent/sedna-test-dir" does not exist on this node',
    });
  });

  it('stop ends the whole process group: SIGTERM, then SIGKILL after the grace period, and removes the pod folder', async () => {
    const { runner, statuses, dataDir } = makeRunner();
    const work = tempDir('work');
    cleanups.push(work.remove);
    // Ignores SIGTERM and has a child of its own: both must be gone after stop.
    const script = `process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
      const child = require('child_process').spawn('sleep', ['1000'], { stdio: 'ignore' });
      require('fs').writeFileSync('pids', JSON.stringify([process.pid, child.pid]));
      setInterval(() => {}, 1000);`;
    const pod = nodePod('stubborn', script, { terminationGracePeriodSeconds: 1 }, { workingDir: work.dir });
    await runner.run(pod);
    const pids = await waitFor('pids file', () => existsSync(path.join(work.dir, 'pids')) && (JSON.parse(readFileSync(path.join(work.dir, 'pids'), 'utf8')) as number[]));
    expect(pids.every(processAlive)).toBe(true);
    const podDir = path.join(dataDir, 'pods', `default_stubborn_${pod.metadata.uid}`);
    expect(existsSync(podDir)).toBe(true);

    expect(await runner.stop({ namespace: 'default', name: 'stubborn' })).toBe(true);
    expect(pids.some(processAlive)).toBe(false);
    expect(existsSync(podDir)).toBe(false);
    expect(runner.list()).toEqual([]);
    const final = statuses.latest('stubborn');
    expect(final?.phase).toBe('Failed');
    expect(final?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137, signal: 9 });
    expect(await runner.stop({ namespace: 'default', name: 'stubborn' })).toBe(false);
  });

  it('stop of a cooperative worker uses SIGTERM only, and a stop for another uid leaves the pod alone', async () => {
    const { runner, statuses } = makeRunner();
    const work = tempDir('work');
    cleanups.push(work.remove);
    const script = `process.on('SIGTERM', () => process.exit(0)); require('fs').writeFileSync('ready', ''); setInterval(() => {}, 1000);`;
    await runner.run(nodePod('polite', script, {}, { workingDir: work.dir }));
    await waitFor('handler installed', () => existsSync(path.join(work.dir, 'ready')));
    expect(await runner.stop({ namespace: 'default', name: 'polite', uid: 'someone-else' })).toBe(false);
    expect(runner.get({ namespace: 'default', name: 'polite' })?.status.phase).toBe('Running');
    expect(await runner.stop({ namespace: 'default', name: 'polite' })).toBe(true);
    // Exit status 0, not 137: the worker ended on SIGTERM by itself, no SIGKILL was needed.
    expect(statuses.latest('polite')?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('a new uid under the same name replaces the old pod', async () => {
    const { runner, statuses } = makeRunner();
    const first = nodePod('same-name', 'setInterval(() => {}, 1000)');
    await runner.run(first);
    await waitFor('first running', () => statuses.latest('same-name')?.phase === 'Running');
    const second = nodePod('same-name', 'setInterval(() => {}, 1000)');
    await runner.run(second);
    await waitFor('second running', () => statuses.entries.some((e) => e.uid === second.metadata.uid && e.status.phase === 'Running'));
    expect(runner.list().map((pod) => pod.uid)).toEqual([second.metadata.uid]);
    expect(runner.hasWorker('same-name', 'default')).toBe(true);
    expect(runner.hasWorker('same-name', 'other')).toBe(false);
  });

  it('keeps logs under a size cap with rotation, and follows a running log to its end', async () => {
    const { runner, statuses, dataDir } = makeRunner({ logs: { maxBytes: 4096, maxFiles: 2, checkIntervalMs: 20, followPollMs: 20 } });
    const work = tempDir('work');
    cleanups.push(work.remove);
    // Writes numbered lines in bursts until told to stop, then says goodbye.
    const script = `let i = 0; const fs = require('fs');
      const t = setInterval(() => { for (let k = 0; k < 20; k++) console.log('line ' + (++i) + ' ' + 'x'.repeat(40));
        if (fs.existsSync('stop')) { clearInterval(t); console.log('the end'); } }, 5);`;
    const pod = nodePod('chatty', script, { restartPolicy: 'Never' }, { workingDir: work.dir });
    await runner.run(pod);
    await waitFor('Running', () => statuses.latest('chatty')?.phase === 'Running');
    const stream = runner.logs({ namespace: 'default', name: 'chatty' }, { follow: true, tail: 0 });
    stream.setEncoding('utf8');
    let followed = '';
    stream.on('data', (chunk: string) => (followed += chunk));
    const ended = new Promise((resolve) => stream.on('end', resolve));

    const podDir = path.join(dataDir, 'pods', `default_chatty_${pod.metadata.uid}`);
    // Enough rotations that the oldest lines are gone from every kept file.
    await waitFor('three rotations', async () => existsSync(path.join(podDir, 'container.log.2')) &&
      !(await runner.logs({ namespace: 'default', name: 'chatty' })).startsWith('line 1 '));
    await import('node:fs/promises').then((fs) => fs.writeFile(path.join(work.dir, 'stop'), ''));
    await ended;
    await waitFor('Succeeded', () => statuses.latest('chatty')?.phase === 'Succeeded');

    const files = readdirSync(podDir).filter((file) => file.startsWith('container.log'));
    expect(files.sort()).toEqual(['container.log', 'container.log.1', 'container.log.2']);
    const all = await runner.logs({ namespace: 'default', name: 'chatty' });
    expect(all.endsWith('the end\n')).toBe(true);
    expect(all.startsWith('line 1 ')).toBe(false); // the oldest lines were rotated away
    expect(await runner.logs({ namespace: 'default', name: 'chatty' }, { tail: 2 })).toMatch(/^line \d+ x+\nthe end\n$/);
    expect(followed.endsWith('the end\n')).toBe(true);
    // Lines seen while following stay in order (a few may be lost at a rotation, the copy-then-truncate cost).
    const numbers = followed.split('\n').filter((line) => line.startsWith('line')).map((line) => Number(line.split(' ')[1]));
    expect(numbers.length).toBeGreaterThan(20);
    expect(numbers.every((n, i) => i === 0 || n > (numbers[i - 1] as number))).toBe(true);
    await expect(runner.logs({ namespace: 'default', name: 'nope' })).rejects.toThrow(/pod default\/nope is not run by this node/);
  });
});
