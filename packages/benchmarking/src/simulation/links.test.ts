import { execFile, execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createLinks, deleteLink, linkSupportProblem, type EdgeLink } from './links.js';

const problem = linkSupportProblem([]);
const made: EdgeLink[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const link of made.splice(0)) deleteLink(link);
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

/** What a process in the link's namespace hears from a server on the host side that tells each peer its address. */
async function askFromEdge(link: EdgeLink): Promise<string> {
  const server = createServer((socket) => socket.end(socket.remoteAddress?.replace(/^::ffff:/, '') ?? ''));
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '0.0.0.0', done));
  const { port } = server.address() as { port: number };
  const client = `require('node:net').connect(${port}, '${link.hostIp}').on('data', (d) => process.stdout.write(d)).on('error', (e) => { console.error(e.message); process.exit(1); })`;
  const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', link.ns, process.execPath, '-e', client], { timeout: 20_000 });
  return stdout;
}

const interfaces = (): string => execFileSync('ip', ['-o', 'link', 'show']).toString();
const namespaces = (): string => execFileSync('ip', ['netns', 'list']).toString();

describe.skipIf(problem !== undefined)('emulated links', () => {
  it('give two simulations running at once subnets of their own, and leave nothing behind', async () => {
    const tagA = `${process.pid % 10000}a`;
    const tagB = `${process.pid % 10000}b`;
    const a = createLinks(2, [], tagA);
    made.push(...a);
    const b = createLinks(1, [], tagB);
    made.push(...b);
    const hostIps = [...a, ...b].map((l) => l.hostIp);
    expect(new Set(hostIps).size).toBe(3);
    for (const link of [...a, ...b]) {
      expect(link.edgeIp.split('.').slice(0, 3)).toEqual(link.hostIp.split('.').slice(0, 3));
      // Each edge reaches the host, and the answer comes back to it, not to an edge of the other simulation.
      expect(await askFromEdge(link)).toBe(link.edgeIp);
    }
    for (const link of made.splice(0)) deleteLink(link);
    for (const link of [...a, ...b]) {
      expect(namespaces()).not.toContain(link.ns);
      expect(interfaces()).not.toContain(`${link.hostIf}@`);
    }
  });
});
