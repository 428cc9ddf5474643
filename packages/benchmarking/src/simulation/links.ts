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

/** Creates one namespace per edge node (a /30 subnet each under 10.232.<k>.0), with the link's netem. */
export function createLinks(edgeNumber: number, links: readonly LinkConfig[], tag: string): EdgeLink[] {
  const made: EdgeLink[] = [];
  try {
    for (let k = 1; k <= edgeNumber; k++) {
      const config = links.find((l) => l.edge === k) ?? links.find((l) => l.edge === 'all');
      const link: EdgeLink = { edge: k, ns: `sdn-${tag}-e${k}`, hostIf: `sb${tag}h${k}`, nsIf: `sb${tag}n${k}`, hostIp: `10.232.${k}.1`, edgeIp: `10.232.${k}.2`, config };
      deleteLink(link);
      run('ip', ['netns', 'add', link.ns]);
      made.push(link);
      run('ip', ['link', 'add', link.hostIf, 'type', 'veth', 'peer', 'name', link.nsIf]);
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

export function deleteLink(link: EdgeLink): void {
  for (const args of [['netns', 'del', link.ns], ['link', 'del', link.hostIf]]) {
    try {
      run('ip', args);
    } catch {
      // already gone
    }
  }
}

/** Bytes sent each way on a link so far (the host side's interface counters). */
export function linkBytes(link: Pick<EdgeLink, 'hostIf'>): { toEdge: number; fromEdge: number } {
  const read = (what: string): number => Number(readFileSync(`/sys/class/net/${link.hostIf}/statistics/${what}`, 'utf8').trim());
  return { toEdge: read('tx_bytes'), fromEdge: read('rx_bytes') };
}
