/**
 * The TCP ports something listens on, on this machine, read from Linux's /proc/net/tcp and /proc/net/tcp6.
 *
 * Why: in embedded mode a serving worker binds a node port on its node's address, and every node of `sedna up` is
 * this machine. A port another program already holds (a second control plane's worker, a user's own service) would
 * make the worker fail to bind, over and over, so the node port allocator leaves such ports out. Only a hint: a port
 * can still be taken between the draw and the worker's bind. Elsewhere than Linux it knows nothing and says so by an
 * empty set.
 */
import { readFileSync } from 'node:fs';

/** The `st` column's value for a socket in the LISTEN state (include/net/tcp_states.h). */
const TCP_LISTEN = '0A';

export function hostListeningPorts(tables: readonly string[] = ['/proc/net/tcp', '/proc/net/tcp6']): Set<number> {
  const ports = new Set<number>();
  for (const table of tables) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // no such table here (not Linux, or IPv6 off)
    }
    for (const port of listeningPortsOf(text)) ports.add(port);
  }
  return ports;
}

/**
 * Rows after the header: `sl local_address rem_address st ...`, the local address as `<hex ip>:<hex port>`.
 */
export function listeningPortsOf(table: string): number[] {
  const ports: number[] = [];
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    if (fields[3] !== TCP_LISTEN || local === undefined) continue;
    const port = Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
    if (Number.isInteger(port) && port > 0) ports.push(port);
  }
  return ports;
}
