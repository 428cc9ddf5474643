/**
 * An LC whose disk fills up (a small tmpfs as its data folder; needs root): a worker's report is answered 507, not
 * 200, and is not lost; the node shows DiskPressure; a Pod sent meanwhile runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeCondition, UpstreamMessage } from '@sedna/api';
import { NodeHub } from '@sedna/gm';
import { startLocalController, type RunningLocalController } from '@sedna/lc';
import { sendRaw } from '../../../../bench/fuzz/kit/index.js';
import { waitFor } from '../../../../test-kit/index.js';

const isRoot = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'sedna-disk-full-'));
const disk = join(dir, 'disk');
let mounted = false;
let lc: RunningLocalController | undefined;
let hub: NodeHub | undefined;

afterAll(async () => {
  await lc?.close();
  await hub?.close();
  if (lc?.runner) for (const pod of lc.runner.list()) await lc.runner.stop(`${pod.namespace}/${pod.name}`).catch(() => undefined);
  if (mounted) execFileSync('umount', ['-l', disk]);
  rmSync(dir, { recursive: true, force: true });
});

const until = <T>(what: string, check: () => T | undefined, timeoutMs = 30_000): Promise<T> => waitFor(what, check, timeoutMs, 50);

const pod = (name: string) => ({
  header: { namespace: 'default', resourceKind: 'pod', resourceName: name, operation: 'insert' as const },
  content: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { nodeName: 'edge-disk', restartPolicy: 'Never', containers: [{ name: 'c', image: 'x', command: ['sleep', '60'] }] } },
});

describe.skipIf(!isRoot)('a full disk on a local controller', () => {
  it('answers 507 to reports it cannot store, shows DiskPressure, and runs a pod sent meanwhile', async () => {
    mkdirSync(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', disk]);
    mounted = true;
    const upstream: UpstreamMessage[] = [];
    // What the GM would resync to the node after a reconnect: the pods sent so far.
    const sent: ReturnType<typeof pod>[] = [];
    const send = (message: ReturnType<typeof pod>): void => {
      sent.push(message);
      hub!.send('edge-disk', message);
    };
    const conditions: NodeCondition[][] = [];
    hub = new NodeHub(
      { token: 't0ken', host: '127.0.0.1', port: 0, logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } },
      { onUpstream: async (_node, message) => void upstream.push(message), onNodeConditions: (_node, c) => void conditions.push(c), resyncFor: async () => sent },
    );
    await hub.start();
    lc = await startLocalController({ nodeName: 'edge-disk', role: 'edge', gmUrl: `ws://127.0.0.1:${hub.address().port}/`, token: 't0ken', dataDir: join(disk, 'lc'), address: '127.0.0.1', reportPort: 0, nodeApiPort: 0, runPods: true, datasetRoots: [dir], heartbeatMs: 200, log: () => undefined });
    await until('the LC connected', () => (hub!.connectedNodes().includes('edge-disk') ? true : undefined));
    send(pod('w1'));
    await until('the worker running', () => (lc!.runner!.hasWorker('w1', 'default') ? true : undefined));

    const post = async (status: string) => {
      const body = JSON.stringify({ name: 'w1', namespace: 'default', ownerName: 'job-a', ownerKind: 'federatedlearningjob', kind: 'train', status });
      return (await sendRaw({ host: '127.0.0.1', port: lc!.reportPort, tls: false }, Buffer.from(`POST /sedna/workers/w1/info HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`))).status;
    };
    // Fill the disk to its last byte.
    const filler = join(disk, 'filler');
    try {
      writeFileSync(filler, Buffer.alloc(16 * 1024 * 1024));
    } catch {
      // ENOSPC: full, as meant
    }
    const answers: number[] = [];
    for (let i = 0; i < 20; i++) answers.push((await post(`full-${i}`)) ?? 0);
    // Refused (507, or 403 once the runner itself lost the worker to the full disk) or acknowledged and then delivered.
    expect(answers, JSON.stringify(answers)).toContain(507);
    expect(answers.every((s) => s === 200 || s === 507 || s === 403), JSON.stringify(answers)).toBe(true);
    const acknowledgedWhileFull = answers.filter((s) => s === 200).length;
    await until('DiskPressure True from the heartbeats', () => (conditions.some((c) => c.some((x) => x.type === 'DiskPressure' && x.status === 'True')) ? true : undefined));
    // A pod sent while the disk is full: it runs, now or (retried by the LC) once space is back.
    send(pod('p2'));

    rmSync(filler);
    await until('every acknowledged report at the GM', () => (upstream.filter((m) => m.header.resourceKind === 'federatedlearningjob').length >= acknowledgedWhileFull ? true : undefined));
    try {
      await until('the pod sent while the disk was full, running', () => (lc!.runner!.hasWorker('p2', 'default') ? true : undefined), 60_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(upstream.filter((m) => m.header.resourceKind === 'pod').map((m) => [m.header.resourceName, (m.content['status'] as { phase?: string; message?: string; containerStatuses?: unknown })]))}`, { cause: err });
    }
    await until('DiskPressure False again', () => (conditions.at(-1)?.some((x) => x.type === 'DiskPressure' && x.status === 'False') ? true : undefined), 60_000);
  }, 180_000);
});
