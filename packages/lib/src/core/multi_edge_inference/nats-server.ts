/**
 * Starts Debian's `nats-server` with JetStream (`-js`, a store directory; by default a random free port on 127.0.0.1)
 * for the control plane's broker (`sedna up --broker nats`), tests and benchmarks; resolves once it listens, with
 * its nats:// URL.
 */
import { spawn } from 'node:child_process';

export interface RunningNatsServer {
  url: string;
  port: number;
  pid: number;
  /** Called once when it exits by itself (not after stop()). */
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  stop(): Promise<void>;
}

export interface NatsServerOptions {
  storeDir: string;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default: any free one). */
  port?: number;
  /** The host in the returned URL, when clients reach it by another name than `host` (e.g. it listens on 0.0.0.0). */
  advertise?: string;
  binary?: string;
  maxPayload?: number;
  timeoutMs?: number;
}

export async function startNatsServer(options: NatsServerOptions): Promise<RunningNatsServer> {
  const host = options.host ?? '127.0.0.1';
  const args = ['-a', host, '-p', options.port ? String(options.port) : '-1', '-js', '-sd', options.storeDir, '--http_port', '0'];
  const child = spawn(options.binary ?? 'nats-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server did not start within ${options.timeoutMs ?? 15000} ms: ${log.slice(-500)}`)), options.timeoutMs ?? 15000);
    const onData = (c: Buffer) => {
      log += c.toString('utf8');
      const m = /Listening for client connections on [^\s]*:(\d+)/.exec(log);
      if (m && /Server is ready/.test(log)) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run nats-server (apt-get install nats-server): ${err.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited ${code}: ${log.slice(-500)}`));
    });
  });
  child.stdout.removeAllListeners('data');
  child.stderr.removeAllListeners('data');
  child.stdout.resume();
  child.stderr.resume();
  let stopping = false;
  return {
    url: `nats://${options.advertise ?? (host === '0.0.0.0' ? '127.0.0.1' : host)}:${port}`,
    port,
    pid: child.pid!,
    onExit: (listener) => {
      child.once('exit', (code, signal) => {
        if (!stopping) listener(code, signal);
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
