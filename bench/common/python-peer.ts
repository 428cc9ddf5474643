/**
 * A Python baseline kept alive for a whole comparison, so that its rounds can be interleaved with ours: the script
 * reads one command per line on stdin and answers each with one JSON line on stdout. Both sides get the same
 * thread environment (OMP/OpenBLAS/MKL thread counts); OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which this machine
 * sets on some processors and which slow a current NumPy, are removed for the child alone.
 *
 * The child's malloc keeps freed memory instead of handing it back to the system (MALLOC_TRIM_THRESHOLD_, and
 * MALLOC_MMAP_THRESHOLD_ at glibc's largest value, 32 MiB, so blocks up to that come from the reusable heap). With
 * glibc's defaults, PyTorch's per-batch tensors were returned to the system after every step and faulted in again
 * at the next: on this virtual machine, whose page faults are slow, that cost an MLP epoch several times its CPU
 * time (the lib bench's train part reports the peer's page faults per epoch, `torch_*_minor_faults`: near zero
 * with these settings). The peer at its best does not pay that; our side allocates its working memory once
 * (WebAssembly memories), so it never did.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export const PYTHON = '/usr/bin/python3';

/** The loop every peer script ends with: `handle(command) -> dict` is defined by the script above it. */
export const PEER_LOOP = String.raw`
import json as _json, sys as _sys
print(_json.dumps({"ready": True}), flush=True)
for _line in _sys.stdin:
    _cmd = _line.strip()
    if not _cmd:
        continue
    try:
        print(_json.dumps(handle(_cmd)), flush=True)
    except Exception as _e:
        print(_json.dumps({"error": repr(_e)}), flush=True)
`;

export function threadEnv(threads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(threads),
    MKL_NUM_THREADS: String(threads),
  };
  delete env['OPENBLAS_CORETYPE'];
  delete env['OPENBLAS_L2_SIZE'];
  env['MALLOC_TRIM_THRESHOLD_'] = String(2 ** 30);
  env['MALLOC_MMAP_THRESHOLD_'] = String(32 * 2 ** 20);
  return env;
}

/**
 * Refuses a PyTorch or NumPy baseline on the reference BLAS: it is several times slower than OpenBLAS, and a
 * comparison against it would flatter us.
 */
export function requireOpenBlas(): void {
  const q = spawnSync('update-alternatives', ['--query', 'libblas.so.3-x86_64-linux-gnu'], { encoding: 'utf8' });
  const value = /^Value: (.*)$/m.exec(q.stdout ?? '')?.[1];
  if (value === undefined || !value.includes('openblas')) {
    throw new Error(
      `the system BLAS is ${value ?? 'unknown'}, not OpenBLAS: the Python baseline would run several times slower than its ` +
        'honest best, so it is refused. Run `bash scripts/install-bench.sh` (it installs libopenblas0-pthread and selects it).',
    );
  }
}

export class PythonPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private stderr = '';

  private constructor(script: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(PYTHON, ['-c', script + PEER_LOOP, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  /** Starts the script and waits until it has set itself up (loaded data, imported its modules). */
  static async start(script: string, options: { args?: string[]; threads: number }): Promise<PythonPeer> {
    const peer = new PythonPeer(script, options.args ?? [], threadEnv(options.threads));
    await peer.next();
    return peer;
  }

  /** Sends one command and returns the script's JSON answer. */
  async ask<T = Record<string, unknown>>(command: string): Promise<T> {
    this.child.stdin.write(`${command}\n`);
    const answer = await this.next();
    if (typeof answer['error'] === 'string') throw new Error(`the Python baseline failed on "${command}": ${answer['error']}`);
    return answer as T;
  }

  async stop(): Promise<void> {
    this.child.stdin.end();
    if (this.child.exitCode === null) await new Promise((resolve) => this.child.once('close', resolve));
  }

  private async next(): Promise<Record<string, unknown>> {
    const { value, done } = await this.lines.next();
    if (done) throw new Error(`the Python baseline exited (code ${String(this.child.exitCode)}): ${this.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    try {
      return JSON.parse(value) as Record<string, unknown>;
    } catch {
      throw new Error(`the Python baseline printed a line that is not JSON: ${value.slice(0, 200)}`);
    }
  }
}
