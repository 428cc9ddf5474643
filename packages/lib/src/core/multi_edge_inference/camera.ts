/**
 * Camera input: frames as raw RGB at the job's fps. `FfmpegFrameSource` reads any source ffmpeg opens (a file,
 * `tcp://`, `http://`, `rtsp://`) with `ffmpeg -i <url> -vf fps=N[,crop=...][,scale=WxH] -f rawvideo -pix_fmt rgb24
 * pipe:1` and cuts the output into W*H*3-byte frames; `ArrayFrameSource` serves frames from memory for tests and
 * machines without ffmpeg. A source that ends returns; one that fails throws with ffmpeg's last words.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface Frame {
  index: number;
  width: number;
  height: number;
  rgb: Uint8Array;
  /** When the frame was read, ms since the epoch. */
  captureMs: number;
}

export interface FrameSource {
  readonly width: number;
  readonly height: number;
  frames(): AsyncIterable<Frame>;
  close(): void;
}

export class ArrayFrameSource implements FrameSource {
  private stopped = false;
  constructor(
    readonly width: number,
    readonly height: number,
    private readonly images: Uint8Array[],
    /** Frames per second to pace at (0: as fast as they are taken). */
    private readonly fps = 0,
  ) {
    for (const [i, img] of images.entries()) if (img.length !== width * height * 3) throw new Error(`frame ${i} has ${img.length} bytes; ${width}x${height} RGB needs ${width * height * 3}`);
  }

  async *frames(): AsyncIterable<Frame> {
    const start = Date.now();
    for (const [index, rgb] of this.images.entries()) {
      if (this.stopped) return;
      if (this.fps > 0) {
        const due = start + (index * 1000) / this.fps;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      yield { index, width: this.width, height: this.height, rgb, captureMs: Date.now() };
    }
  }

  close(): void {
    this.stopped = true;
  }
}

export interface FfmpegSourceOptions {
  url: string;
  fps: number;
  /** Output size; when absent, probed with ffprobe (files and http only: a tcp/rtsp stream must give it). */
  width?: number;
  height?: number;
  /** ffmpeg crop filter arguments `w:h:x:y`, applied before scaling. */
  crop?: string;
  /** Read a file at its own speed (-re), as a live camera would deliver it. */
  realtime?: boolean;
  ffmpeg?: string;
  /** Extra input options, e.g. ['-rtsp_transport', 'tcp'] or ['-listen', '1']. */
  inputArgs?: string[];
}

export class CameraError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CameraError';
  }
}

/** Width and height of the first video stream, after an optional crop. */
export function probeSize(url: string, crop?: string): { width: number; height: number } {
  if (crop) {
    const [w, h] = crop.split(':').map(Number);
    if (w! > 0 && h! > 0) return { width: w!, height: h! };
  }
  if (/^(tcp|rtsp|udp):/.test(url)) throw new CameraError(`the size of a ${url.split(':')[0]} stream cannot be probed without consuming it: give width and height`);
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', url], { encoding: 'utf8', timeout: 20_000 });
  if (r.error) throw new CameraError(`cannot run ffprobe: ${r.error.message} (install ffmpeg)`);
  const [w, h] = r.stdout.trim().split(',').map(Number);
  if (r.status !== 0 || !(w! > 0) || !(h! > 0)) throw new CameraError(`cannot open the video ${url}: ${r.stderr.trim().split('\n').at(-1) ?? `ffprobe exited ${r.status}`}`);
  return { width: w!, height: h! };
}

export class FfmpegFrameSource implements FrameSource {
  readonly width: number;
  readonly height: number;
  private child: ChildProcessByStdio<null, Readable, Readable> | undefined;

  constructor(private readonly options: FfmpegSourceOptions) {
    if (!(options.fps > 0)) throw new CameraError(`fps must be positive; got ${options.fps}`);
    const size = options.width && options.height ? { width: options.width, height: options.height } : probeSize(options.url, options.crop);
    this.width = size.width;
    this.height = size.height;
  }

  args(): string[] {
    const o = this.options;
    const filters = [`fps=${o.fps}`, ...(o.crop ? [`crop=${o.crop}`] : []), `scale=${this.width}:${this.height}`];
    return ['-hide_banner', '-loglevel', 'error', '-nostdin', ...(o.realtime ? ['-re'] : []), ...(o.inputArgs ?? []), '-i', o.url, '-vf', filters.join(','), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
  }

  async *frames(): AsyncIterable<Frame> {
    const size = this.width * this.height * 3;
    const child = spawn(this.options.ffmpeg ?? 'ffmpeg', this.args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-2000)));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const spawnError = new Promise<Error>((resolve) => child.on('error', resolve));
    let pending: Buffer = Buffer.alloc(0);
    let index = 0;
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= size) {
        const rgb = new Uint8Array(pending.subarray(0, size));
        pending = pending.subarray(size);
        yield { index: index++, width: this.width, height: this.height, rgb, captureMs: Date.now() };
      }
    }
    const code = await Promise.race([exited, spawnError.then((e) => e)]);
    if (code instanceof Error) throw new CameraError(`cannot run ffmpeg: ${code.message} (install ffmpeg)`);
    if (code !== 0 && code !== null && !this.closing) throw new CameraError(`the camera source ${this.options.url} failed (ffmpeg exited ${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`);
    if (index === 0 && !this.closing) throw new CameraError(`the camera source ${this.options.url} gave no frames: ${stderr.trim().split('\n').at(-1) ?? 'empty stream'}`);
  }

  private closing = false;
  close(): void {
    this.closing = true;
    this.child?.kill('SIGTERM');
  }
}

/** The source a VA worker's environment names: video_address, fps, and optional width/height/crop/realtime. */
export function frameSourceFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): FfmpegFrameSource {
  const url = env.video_address;
  if (!url) throw new CameraError('video_address is not set: give a file, tcp://, http:// or rtsp:// source');
  const fps = Number(env.fps ?? '5');
  const width = env.width ? Number(env.width) : undefined;
  const height = env.height ? Number(env.height) : undefined;
  return new FfmpegFrameSource({
    url,
    fps,
    ...(width ? { width } : {}),
    ...(height ? { height } : {}),
    ...(env.crop ? { crop: env.crop } : {}),
    realtime: env.realtime === 'true',
    ...(url.startsWith('rtsp:') ? { inputArgs: ['-rtsp_transport', 'tcp'] } : {}),
  });
}
