/**
 * An emulated edge-cloud link for benchmarks: a network namespace (the "cloud host") joined to this one by a veth
 * pair, the rate limited on both ends by `tc tbf`, and the delay added by a relay process (delay-relay.ts, half the
 * round trip each way) in front of each service, because this machine's kernel has no netem qdisc. Needs root and
 * iproute2. Programs started with `exec` run inside the namespace; `relayTo(port)` gives the address this side
 * connects to for a service listening on `peerIp:port` there. `close()` removes the relays, the namespace and the
 * pair (also at process exit, so an interrupted run leaves nothing behind).
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LinkOptions {
  /** Namespace name; made unique with the process id. */
  name: string;
  /** Third octet of the 10.233.X.0/24 subnet the pair uses. */
  subnet: number;
  rttMs: number;
  rateMbit: number;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function tc(...args: string[]): void {
  execFileSync('tc', args, { stdio: 'pipe' });
}

export class EmulatedLink {
  readonly namespace: string;
  readonly hostIp: string;
  readonly peerIp: string;
  private readonly hostIf: string;
  private readonly peerIf: string;
  private closed = false;
  private readonly relays: ChildProcess[] = [];
  private readonly onExit = (): void => this.removeQuietly();

  private constructor(readonly options: LinkOptions) {
    const id = `${options.name}-${process.pid}`.slice(0, 20);
    this.namespace = id;
    // Interface names are at most 15 characters.
    this.hostIf = `bl${process.pid % 100000}h${options.subnet}`.slice(0, 15);
    this.peerIf = `bl${process.pid % 100000}p${options.subnet}`.slice(0, 15);
    this.hostIp = `10.233.${options.subnet}.1`;
    this.peerIp = `10.233.${options.subnet}.2`;
  }

  static open(options: LinkOptions): EmulatedLink {
    if (process.getuid?.() !== 0) throw new Error('the emulated link needs root (network namespaces and tc netem)');
    const link = new EmulatedLink(options);
    process.once('exit', link.onExit);
    try {
      link.removeQuietly();
      ip('netns', 'add', link.namespace);
      ip('link', 'add', link.hostIf, 'type', 'veth', 'peer', 'name', link.peerIf);
      ip('link', 'set', link.peerIf, 'netns', link.namespace);
      ip('addr', 'add', `${link.hostIp}/24`, 'dev', link.hostIf);
      ip('link', 'set', link.hostIf, 'up');
      ip('netns', 'exec', link.namespace, 'ip', 'addr', 'add', `${link.peerIp}/24`, 'dev', link.peerIf);
      ip('netns', 'exec', link.namespace, 'ip', 'link', 'set', link.peerIf, 'up');
      ip('netns', 'exec', link.namespace, 'ip', 'link', 'set', 'lo', 'up');
      // tbf: the rate, a burst of a few packets, and up to 100 ms of queue before drops.
      const tbf = ['tbf', 'rate', `${options.rateMbit}mbit`, 'burst', '16kb', 'latency', '100ms'];
      tc('qdisc', 'add', 'dev', link.hostIf, 'root', ...tbf);
      execFileSync('ip', ['netns', 'exec', link.namespace, 'tc', 'qdisc', 'add', 'dev', link.peerIf, 'root', ...tbf], { stdio: 'pipe' });
    } catch (error) {
      link.close();
      const detail = (error as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(`cannot set up the emulated link (ip netns, veth, tc netem): ${detail || (error as Error).message}`, { cause: error });
    }
    return link;
  }

  /**
   * Starts a relay on 127.0.0.1 that forwards to `peerIp:port` across the link with half the round trip added each
   * way; resolves with the address to connect to.
   */
  async relayTo(port: number): Promise<{ host: string; port: number }> {
    const script = join(dirname(fileURLToPath(import.meta.url)), 'delay-relay.ts');
    const relay = spawn(process.execPath, ['--import', 'tsx', script, '--listen', '127.0.0.1:0', '--target', `${this.peerIp}:${port}`, '--delay-ms', String(this.options.rttMs / 2)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.relays.push(relay);
    return new Promise((resolve, reject) => {
      let out = '';
      relay.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /relay listening on (\S+):(\d+)/.exec(out);
        if (match) resolve({ host: match[1]!, port: Number(match[2]) });
      });
      relay.once('exit', (code) => reject(new Error(`the delay relay exited (${String(code)}) before listening`)));
    });
  }

  /** Starts a program inside the namespace (the far side of the link). */
  exec(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.namespace, command, ...args], options);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.off('exit', this.onExit);
    this.removeQuietly();
  }

  private removeQuietly(): void {
    for (const relay of this.relays) relay.kill('SIGKILL');
    for (const args of [['netns', 'del', this.namespace], ['link', 'del', this.hostIf]]) {
      try {
        ip(...args);
      } catch {
        // not there
      }
    }
  }
}
