/**
 * A TCP relay that adds a fixed one-way delay in each direction: what `tc netem delay` would do, for kernels that
 * lack the netem qdisc (this machine's). Every chunk read from one side is written to the other side `delayMs` after
 * it arrived, in order, so a request/response exchange pays twice the delay (the round trip). The rate limit of an
 * emulated link stays in the kernel (`tc tbf` on the veth pair); only the delay is here.
 *
 * Run as its own process, so the relay's timers do not share an event loop with the program under test:
 *   node --import tsx bench/common/delay-relay.ts --listen 127.0.0.1:0 --target 10.233.7.2:5000 --delay-ms 10
 * It prints `relay listening on HOST:PORT` once ready.
 */
import { createServer, connect, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** Forwards `from` to `to`, each chunk held for delayMs after its arrival; ends and errors propagate. */
function pipeDelayed(from: Socket, to: Socket, delayMs: number): void {
  const queue: { due: number; chunk: Buffer }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  const flush = (): void => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.due <= now + 0.5) to.write(queue.shift()!.chunk);
    if (queue.length > 0) timer = setTimeout(flush, Math.max(0, queue[0]!.due - performance.now()));
    else if (ended) to.end();
  };
  from.on('data', (chunk: Buffer) => {
    queue.push({ due: performance.now() + delayMs, chunk });
    timer ??= setTimeout(flush, delayMs);
  });
  from.on('end', () => {
    ended = true;
    if (queue.length === 0 && timer === undefined) to.end();
  });
  from.on('error', () => to.destroy());
}

export async function startDelayRelay(options: { listenHost: string; listenPort: number; targetHost: string; targetPort: number; delayMs: number }): Promise<{ host: string; port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(options.targetPort, options.targetHost);
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    pipeDelayed(client, upstream, options.delayMs);
    pipeDelayed(upstream, client, options.delayMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listenPort, options.listenHost, resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the relay has no TCP address');
  return {
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function hostPort(value: string | undefined, flag: string): { host: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(value ?? '');
  if (!match) throw new Error(`${flag} must be HOST:PORT, got ${value}`);
  return { host: match[1]!, port: Number(match[2]) };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { listen: { type: 'string' }, target: { type: 'string' }, 'delay-ms': { type: 'string' } } });
  const listen = hostPort(values.listen, '--listen');
  const target = hostPort(values.target, '--target');
  const delayMs = Number(values['delay-ms']);
  if (!(delayMs >= 0)) throw new Error(`--delay-ms must be a non-negative number, got ${values['delay-ms']}`);
  const relay = await startDelayRelay({ listenHost: listen.host, listenPort: listen.port, targetHost: target.host, targetPort: target.port, delayMs });
  console.log(`relay listening on ${relay.host}:${relay.port}`);
  const stop = (): void => void relay.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
