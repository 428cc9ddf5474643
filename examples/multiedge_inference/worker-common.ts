/** What the three example workers share: reporting counters to the LC, logging, the output folder, PNG/JPEG reading. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { encodePng } from './png.js';
import { buildWorkerMessage, LCClient, workerIdentityFromEnv, type OwnerKind, type WorkerReportStatus } from '@sedna/lib/reporter';

export function log(who: string, line: string): void {
  console.log(`[${new Date().toISOString()}] [${who}] ${line}`);
}

/**
 * Reports `ownerInfo` counters to the LC at most once per period; a failed report is logged, never fatal. A report
 * that arrives inside the period is not dropped but sent when the period ends (only the newest one), so the counters
 * the LC holds always end at the worker's last values, even when a whole burst fits in one period.
 */
export class Reporter {
  private readonly client = process.env.LC_SERVER ? LCClient.fromEnv(process.env, { retry: { attempts: 2 } }) : undefined;
  private last = 0;
  private trailing: { ownerInfo: Record<string, unknown>; status: WorkerReportStatus } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kind: OwnerKind,
    private readonly who: string,
    private readonly periodMs = 2000,
  ) {}

  async report(ownerInfo: Record<string, unknown>, status: WorkerReportStatus = 'running', force = false): Promise<void> {
    if (!this.client) return;
    const now = Date.now();
    if (!force && now - this.last < this.periodMs) {
      this.trailing = { ownerInfo, status };
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        const pending = this.trailing;
        this.trailing = undefined;
        if (pending) void this.report(pending.ownerInfo, pending.status, true);
      }, this.last + this.periodMs - now).unref();
      return;
    }
    // A forced or on-time report supersedes one waiting for its turn.
    this.trailing = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.last = now;
    try {
      const identity = workerIdentityFromEnv(this.kind);
      await this.client.send(identity.name, buildWorkerMessage(identity, { kind: 'inference', status, ownerInfo }));
    } catch (err) {
      log(this.who, `report to the LC failed: ${(err as Error).message}`);
    }
  }
}

export function outputDir(): string {
  const dir = process.env.output_dir || process.env.OUTPUT_URL || '/tmp/sedna-multiedge-output';
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Any image ffmpeg reads, as raw RGB. */
export function readImage(path: string): { width: number; height: number; rgb: Uint8Array } {
  const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', path], { encoding: 'utf8' });
  const [width, height] = probe.stdout.trim().split(',').map(Number);
  if (probe.status !== 0 || !(width! > 0)) throw new Error(`cannot read the image ${path}: ${probe.stderr.trim() || 'not an image'}`);
  const raw = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 64 * 1024 * 1024 });
  if (raw.status !== 0) throw new Error(`cannot decode ${path}: ${raw.stderr.toString()}`);
  return { width: width!, height: height!, rgb: new Uint8Array(raw.stdout) };
}

/** Writes raw RGB as a PNG. */
export function writePng(path: string, width: number, height: number, rgb: Uint8Array): void {
  writeFileSync(path, encodePng(width, height, rgb));
}
