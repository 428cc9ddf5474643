/**
 * The process that runs the local controllers of simulated nodes: `node node-host.js <sedna main.js>`. The
 * simulation starts it at the same time as the control plane, so loading the local controller's code (most of a
 * node's start-up: a `sedna join` process spends seconds in the module loader) overlaps the control plane's own
 * start instead of following it. It then reads one JSON line on stdin, what the control plane wrote once it was up
 * (its hub, CA and node token) and which nodes to run, and runs each with the `sedna join` command's own code
 * (packages/cli commands/join.js: bootstrap over TLS for a credential of the node's own, then the local controller).
 * Without emulated links one host runs every node; with links each edge node gets a host of its own inside its
 * network namespace. It prints `node <name> started` per node, and stops them all on SIGTERM or when stdin closes.
 */
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What the simulation sends on stdin. */
export interface NodeHostOrder {
  /** The hub's URL as this host reaches it (wss://). */
  gm: string;
  caFile: string;
  nodeTokenFile: string;
  heartbeatMs: number;
  nodes: { name: string; role: 'cloud' | 'edge'; dataDir: string; address: string }[];
}

/** The parts of the cli's commands/join.js and commands/node-token.js used here (the cli depends on this package). */
interface JoinModule {
  join(options: { gm: string[]; token: () => string; nodeName: string; role: 'cloud' | 'edge'; dataDir: string; address: string; caFile: string; datasetRoots: string[]; heartbeatMs: number }): Promise<{ close(): Promise<void> }>;
}
interface NodeTokenModule {
  resolveNodeToken(sources: { file: string; env: NodeJS.ProcessEnv; warn: (m: string) => void }): string;
}

const main = process.argv[2];
if (!main) {
  console.error('usage: node-host <path of the sedna command main.js>');
  process.exit(2);
}
// As `sedna join` does (serverProcess): files this process and its workers make are the owner's only.
process.umask(0o077);
const commands = join(dirname(main), 'commands');
// Started before the order comes: the imports are what takes long.
const modules = Promise.all([import(pathToFileURL(join(commands, 'join.js')).href) as Promise<JoinModule>, import(pathToFileURL(join(commands, 'node-token.js')).href) as Promise<NodeTokenModule>]);
const running: { close(): Promise<void> }[] = [];
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled(running.map((lc) => lc.close()));
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

const lines = createInterface({ input: process.stdin });
lines.once('line', (line) => {
  void (async () => {
    const order = JSON.parse(line) as NodeHostOrder;
    const [{ join: joinNode }, { resolveNodeToken }] = await modules;
    const token = (): string => resolveNodeToken({ file: order.nodeTokenFile, env: {}, warn: (m) => console.error(m) });
    await Promise.all(
      order.nodes.map(async (node) => {
        const lc = await joinNode({ gm: [order.gm], token, nodeName: node.name, role: node.role, dataDir: node.dataDir, address: node.address, caFile: order.caFile, datasetRoots: ['/'], heartbeatMs: order.heartbeatMs });
        running.push(lc);
        console.log(`node ${node.name} started`);
      }),
    );
  })().catch((err: unknown) => {
    console.error(`node host failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  });
});
// The simulation went away without a signal (killed): so do the nodes.
lines.once('close', () => void stop());
