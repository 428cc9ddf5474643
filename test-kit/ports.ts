import { createServer, type AddressInfo } from 'node:net';

/**
 * A port free on 127.0.0.1 now, for a process that cannot be told to listen on port 0. Another process may take it
 * before it is used: prefer port 0 wherever the listener can report its port.
 */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
