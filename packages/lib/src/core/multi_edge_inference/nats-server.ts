/**
 * Starts Debian's `nats-server` with JetStream (`-js`, a store directory, a random free port on 127.0.0.1) for tests,
 * benchmarks and a single-machine setup; resolves once it listens, with its nats:// URL.
 */
import { spawn } from 'node:child_process';

export interface RunningNatsServer {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export async function startNatsServer(options: { storeDir: string; binary?: string; maxPayload?: number; timeoutMs?: number }): Promise<RunningNatsServer> {
  const args = ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', options.storeDir, '--http_port', '0'];
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
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
