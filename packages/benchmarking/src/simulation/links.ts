/**
 * Emulated edge links: each edge node's local controller runs in a network namespace of its own, joined to the
 * host by a veth pair; `tc netem` on both ends adds the link's latency (half each way), jitter, loss and rate.
 * Needs root and iproute2; refused with a message saying so otherwise.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { LinkConfig } from '../config/benchmarkingjob.js';

export interface EdgeLink {
  edge: number;
  ns: string;
  hostIf: string;
  nsIf: string;
  hostIp: string;
  edgeIp: string;
  config: LinkConfig | undefined;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** Whether the kernel has the netem qdisc: tried on the loopback of a throwaway namespace. */
function netemAvailable(): boolean {
  const ns = `sdn-probe-${process.pid}`;
  try {
    run('ip', ['netns', 'add', ns]);
    run('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms']);
    return true;
  } catch {
    return false;
  } finally {
    try {
      run('ip', ['netns', 'del', ns]);
    } catch {
      // not created
    }
  }
}

/** Why these links cannot be emulated here, or undefined when they can. */
export function linkSupportProblem(links: readonly LinkConfig[]): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'emulating links needs root (network namespaces and tc netem); run as root or remove simulation.links';
  for (const tool of [['ip', '-V'], ['tc', '-V']] as const) {
    try {
      run(tool[0], [tool[1]]);
    } catch {
      return `emulating links needs the "${tool[0]}" command (Debian package iproute2)`;
    }
  }
  if (links.some((l) => l.latencyMs > 0 || l.jitterMs > 0 || l.lossPercent > 0) && !netemAvailable()) {
    return 'latency, jitter and loss need the kernel\'s netem qdisc (sch_netem), which this kernel does not have; bandwidth alone is emulated with tbf, and links without any still put each edge node in its own network namespace (per-link byte counts)';
  }
  return undefined;
}

function netemArgs(link: LinkConfig): string[] {
  const args: string[] = [];
  if (link.latencyMs > 0) args.push('delay', `${link.latencyMs / 2}ms`, ...(link.jitterMs > 0 ? [`${link.jitterMs / 2}ms`] : []));
  if (link.lossPercent > 0) args.push('loss', `${link.lossPercent}%`);
  if (link.bandwidthMbps > 0) args.push('rate', `${link.bandwidthMbps}mbit`);
  return args;
}

/**
 * The subnets an edge link may take: 10.232.<s>.0/24, the host side at .1 and the edge at .2. Several simulations
 * may run at once on one machine (parallel test files, two benchmark jobs), and two links in one subnet would take
 * each other's traffic, so each link reserves its own: by the host side's interface, named after the subnet
 * (interface names are unique on the host, so creating the pair is the reservation), in a subnet no address of
 * this machine is in.
 */
const SUBNETS = { first: 1, last: 254 } as const;
const subnetIfNames = (s: number): { hostIf: string; nsIf: string } => ({ hostIf: `sdnsub${s}h`, nsIf: `sdnsub${s}n` });

/** Third octets of 10.232.X.0/24 where this machine already has an address (another program's network, say). */
function subnetsWithAddresses(): Set<number> {
  const used = new Set<number>();
  for (const match of run('ip', ['-o', '-4', 'addr', 'show']).matchAll(/inet 10\.232\.(\d+)\./g)) used.add(Number(match[1]));
  return used;
}

/** Creates the veth pair of a free subnet; its host side is the reservation. */
function reserveSubnet(): { subnet: number; hostIf: string; nsIf: string } {
  const taken = subnetsWithAddresses();
  for (let subnet = SUBNETS.first; subnet <= SUBNETS.last; subnet++) {
    if (taken.has(subnet)) continue;
    const names = subnetIfNames(subnet);
    try {
      run('ip', ['link', 'add', names.hostIf, 'type', 'veth', 'peer', 'name', names.nsIf]);
      return { subnet, ...names };
    } catch (err) {
      // Another link holds it (its interface exists): try the next.
      if (!/exists/i.test(String((err as { stderr?: unknown }).stderr ?? ''))) throw err;
    }
  }
  throw new Error(`no free subnet for an emulated link: 10.232.${SUBNETS.first}.0/24 to 10.232.${SUBNETS.last}.0/24 are all taken (ip link show | grep sdnsub)`);
}

/** Creates one namespace per edge node, each in a subnet of its own (above), with the link's netem. */
export function createLinks(edgeNumber: number, links: readonly LinkConfig[], tag: string): EdgeLink[] {
  const made: EdgeLink[] = [];
  try {
    for (let k = 1; k <= edgeNumber; k++) {
      const config = links.find((l) => l.edge === k) ?? links.find((l) => l.edge === 'all');
      const ns = `sdn-${tag}-e${k}`;
      // A namespace of this name is left over from an earlier run that ended without cleaning up (the tag is ours).
      deleteNamespace(ns);
      run('ip', ['netns', 'add', ns]);
      let reserved: ReturnType<typeof reserveSubnet>;
      try {
        reserved = reserveSubnet();
      } catch (err) {
        deleteNamespace(ns);
        throw err;
      }
      const { subnet, hostIf, nsIf } = reserved;
      const link: EdgeLink = { edge: k, ns, hostIf, nsIf, hostIp: `10.232.${subnet}.1`, edgeIp: `10.232.${subnet}.2`, config };
      made.push(link);
      run('ip', ['link', 'set', link.nsIf, 'netns', link.ns]);
      run('ip', ['addr', 'add', `${link.hostIp}/24`, 'dev', link.hostIf]);
      run('ip', ['link', 'set', link.hostIf, 'up']);
      run('ip', ['netns', 'exec', link.ns, 'ip', 'addr', 'add', `${link.edgeIp}/24`, 'dev', link.nsIf]);
      run('ip', ['netns', 'exec', link.ns, 'ip', 'link', 'set', link.nsIf, 'up']);
      run('ip', ['netns', 'exec', link.ns, 'ip', 'link', 'set', 'lo', 'up']);
      run('ip', ['netns', 'exec', link.ns, 'ip', 'route', 'add', 'default', 'via', link.hostIp]);
      if (config) {
        // Bandwidth alone goes through tbf, which kernels without netem still have.
        const onlyRate = config.latencyMs === 0 && config.jitterMs === 0 && config.lossPercent === 0;
        const qdisc = onlyRate ? (config.bandwidthMbps > 0 ? ['tbf', 'rate', `${config.bandwidthMbps}mbit`, 'burst', '32kbit', 'latency', '400ms'] : []) : ['netem', ...netemArgs(config)];
        if (qdisc.length > 0) {
          run('tc', ['qdisc', 'add', 'dev', link.hostIf, 'root', ...qdisc]);
          run('ip', ['netns', 'exec', link.ns, 'tc', 'qdisc', 'add', 'dev', link.nsIf, 'root', ...qdisc]);
        }
      }
    }
  } catch (err) {
    for (const l of made) deleteLink(l);
    throw new Error(`could not set up the emulated links: ${(err as Error).message}`, { cause: err });
  }
  return made;
}

function deleteNamespace(ns: string): void {
  try {
    run('ip', ['netns', 'del', ns]);
  } catch {
    // not there
  }
}

/**
 * Removes a link: the veth pair first (deleting the host side takes the namespace's end along, at once), then the
 * namespace. Not the other way round: a namespace's interfaces go in the background after it is deleted, and once
 * the pair is gone another simulation may reserve the subnet under the same interface name, which this must then
 * not delete.
 */
export function deleteLink(link: EdgeLink): void {
  try {
    run('ip', ['link', 'del', link.hostIf]);
  } catch {
    // not created, or already gone
  }
  deleteNamespace(link.ns);
}

/** Bytes sent each way on a link so far (the host side's interface counters). */
export function linkBytes(link: Pick<EdgeLink, 'hostIf'>): { toEdge: number; fromEdge: number } {
  const read = (what: string): number => Number(readFileSync(`/sys/class/net/${link.hostIf}/statistics/${what}`, 'utf8').trim());
  return { toEdge: read('tx_bytes'), fromEdge: read('rx_bytes') };
}
