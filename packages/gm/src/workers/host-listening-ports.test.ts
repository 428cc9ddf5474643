import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryCache } from '../runtime/cache.js';
import { embeddedAddressing } from './addressing.js';
import { hostListeningPorts, listeningPortsOf } from './host-listening-ports.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

describe('ports in use on this machine', () => {
  it('reads the listening sockets of a /proc/net/tcp table, and no other state', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 318 1',
      '   1: 0100007F:9FCB 0100007F:9AE0 06 00000000:00000000 03:0000108D 00000000     0        0 0 3',
      '   2: 00000000000000000000000000000000:7530 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 9 1',
      '',
    ].join('\n');
    expect(listeningPortsOf(table)).toEqual([2024, 30000]);
  });

  it.runIf(process.platform === 'linux')('sees a port this process listens on', async () => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    expect(hostListeningPorts().has(port)).toBe(true);
  });

  it('is left out when an embedded Service draws a node port, and an existing one is kept', () => {
    const taken = new Set(Array.from({ length: 32767 - 30000 }, (_, i) => 30000 + i)); // all but 32767
    const addressing = embeddedAddressing(new MemoryCache([]), () => taken);
    const spec = addressing.serviceSpec(5000, undefined);
    expect(spec.ports?.[0]?.nodePort).toBe(32767);

    const all = new Set([...taken, 32767]);
    expect(() => embeddedAddressing(new MemoryCache([]), () => all).serviceSpec(5000, undefined)).toThrow('no free node port left in 30000-32767');

    let asked = 0;
    const keeping = embeddedAddressing(new MemoryCache([]), () => {
      asked++;
      return new Set();
    });
    const existing = { spec } as Parameters<typeof keeping.serviceSpec>[1];
    expect(keeping.serviceSpec(5000, existing).ports?.[0]?.nodePort).toBe(32767);
    expect(asked).toBe(0);
  });
});
