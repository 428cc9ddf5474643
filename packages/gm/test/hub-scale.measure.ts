/**
 * Scratch measurement (not a test): how many lightweight LCs one NodeHub serves, the hub's memory, and how
 * long a downstream message takes to reach all of them.
 *
 *   node --conditions=source --import tsx packages/gm/test/hub-scale.measure.ts [--nodes 1000] [--rounds 5]
 *
 * The hub runs in this process; the LCs run in a child process (bare websockets that speak the protocol:
 * hello, heartbeats every 5 s, one upstream status each), so the RSS printed is the hub's alone. Timestamps
 * are compared across the two processes with performance.timeOrigin + performance.now() (one machine clock).
 * Prints one JSON object as its last line.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { NODE_NAME_HEADER, WIRE_PROTOCOL_VERSION, silentLogger, type DownstreamMessage } from '@sedna/api';
import { NodeHub } from '../src/hub/index.js';

const TOKEN = 'scale-token';
const now = () => performance.timeOrigin + performance.now();
const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

type ChildReport =
  | { kind: 'connected'; nodes: number; at: number; failures: number }
  | { kind: 'received'; version: number; at: number }
  | { kind: 'armed'; version: number };

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

function dataset(name: string, version: number): DownstreamMessage {
  return {
    header: { namespace: 'default', resourceKind: 'dataset', resourceName: name, operation: 'update' },
    content: {
      apiVersion: 'sedna.io/v1alpha1',
      kind: 'Dataset',
      metadata: { name, namespace: 'default', resourceVersion: String(version) },
      spec: { url: `/data/${name}/index.txt`, format: 'txt', nodeName: 'x' },
    },
  };
}

// ---- LC side (child process) ------------------------------------------------------------------------------

async function runClients(url: string, nodes: number): Promise<void> {
  const send = (report: ChildReport) => process.send!(report);
  const counts = new Map<number, number>();
  let expecting = 0;
  let failures = 0;
  const sockets: WebSocket[] = [];
  const connectOne = (index: number) =>
    new Promise<void>((resolve) => {
      const name = `edge-${index}`;
      const ws = new WebSocket(url, { headers: { [NODE_NAME_HEADER]: name, Authorization: `Bearer ${TOKEN}` }, perMessageDeflate: false });
      sockets.push(ws);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: WIRE_PROTOCOL_VERSION, node: { name, version: 'scale' }, outboxEpoch: name })));
      ws.on('error', () => {
        failures++;
        resolve();
      });
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { type: string; message?: { content: { metadata: { resourceVersion: string } } } };
        if (frame.type === 'resync-end') {
          ws.send(JSON.stringify({ type: 'upstream', id: 1, message: { header: { namespace: 'default', resourceKind: 'dataset', resourceName: 'ds', operation: 'status' }, content: { numberOfSamples: index } } }));
          setInterval(() => ws.send('{"type":"heartbeat"}'), 5_000).unref();
          resolve();
        } else if (frame.type === 'downstream' && expecting > 0) {
          const version = Number(frame.message!.content.metadata.resourceVersion);
          const seen = (counts.get(version) ?? 0) + 1;
          counts.set(version, seen);
          if (seen === nodes) send({ kind: 'received', version, at: now() });
        }
      });
    });
  // Dial in batches, as a fleet coming up would, without a thundering herd of thousands of handshakes at once.
  for (let start = 0; start < nodes; start += 100) {
    await Promise.all(Array.from({ length: Math.min(100, nodes - start) }, (_, i) => connectOne(start + i)));
  }
  send({ kind: 'connected', nodes, at: now(), failures });
  process.on('message', (message: { arm: number }) => {
    expecting = message.arm;
    send({ kind: 'armed', version: message.arm });
  });
}

// ---- hub side (this process) ------------------------------------------------------------------------------

function nextReport<K extends ChildReport['kind']>(child: ChildProcess, kind: K): Promise<Extract<ChildReport, { kind: K }>> {
  return new Promise((resolve) => {
    const listener = (report: ChildReport) => {
      if (report.kind !== kind) return;
      child.off('message', listener);
      resolve(report as Extract<ChildReport, { kind: K }>);
    };
    child.on('message', listener);
  });
}

async function runHub(nodes: number, rounds: number): Promise<void> {
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let upstreamApplied = 0;
  const hub = new NodeHub(
    { host: '127.0.0.1', port: 0, token: TOKEN, logger: silentLogger },
    {
      onUpstream: async () => {
        upstreamApplied++;
      },
      resyncFor: async (node) => [dataset(`${node}-a`, 0), dataset(`${node}-b`, 0)],
    },
  );
  await hub.start();
  const url = `ws://127.0.0.1:${hub.address().port}/`;
  const child = fork(fileURLToPath(import.meta.url), ['--clients', url, String(nodes)], {
    execArgv: ['--conditions=source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const startedAt = now();
  const connected = await nextReport(child, 'connected');
  while (hub.connectedNodes().length < nodes - connected.failures || upstreamApplied < nodes - connected.failures) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  global.gc?.();
  const rssConnected = process.memoryUsage().rss;

  const deliveries: number[] = [];
  const names = hub.connectedNodes();
  for (let version = 1; version <= rounds; version++) {
    child.send({ arm: version });
    await nextReport(child, 'armed');
    const received = nextReport(child, 'received');
    const sentAt = now();
    for (const node of names) hub.send(node, dataset(`${node}-a`, version));
    deliveries.push((await received).at - sentAt);
  }
  const rssAfterBroadcasts = process.memoryUsage().rss;

  child.kill('SIGKILL');
  await hub.close();
  const sorted = [...deliveries].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  console.log(
    JSON.stringify({
      nodes,
      connected: names.length,
      connectFailures: connected.failures,
      connectAllMs: round(connected.at - startedAt),
      upstreamApplied,
      hubRssMiB: { beforeStart: mib(rssBefore), allConnected: mib(rssConnected), afterBroadcasts: mib(rssAfterBroadcasts) },
      hubRssPerNodeKiB: Math.round((rssConnected - rssBefore) / 1024 / nodes),
      broadcastToAllMs: { rounds, median: round(sorted[Math.floor(sorted.length / 2)]!), max: round(sorted.at(-1)!), all: deliveries.map(round) },
    }),
  );
}

const clientsIndex = process.argv.indexOf('--clients');
if (clientsIndex >= 0) {
  await runClients(process.argv[clientsIndex + 1]!, Number(process.argv[clientsIndex + 2]));
} else {
  await runHub(argument('nodes', 1000), argument('rounds', 5));
}
