/**
 * The lib's one ffmpeg frame reader: decoded frames of a file, a URL (http, tcp, rtsp, ...) or a camera device
 * (`inputFormat: 'v4l2'`, `/dev/video0`) as raw rgb24/bgr24/gray frames on a pipe, cut into frames of
 * width x height x channels bytes. Used by the flow runtime's video units and by multi-edge inference's camera.
 *
 * Reading is pulled: when nobody takes frames, the pipe fills and ffmpeg waits (no frames pile up in memory); a live
 * source then drops at the source, as a camera does. The frame size comes from the caller (ffmpeg scales to it), the
 * crop, or ffprobe. The generator ends with the source, or when the signal aborts (ffmpeg is then stopped); a source
 * that fails or gives no frame throws an FfmpegError with ffmpeg's last words.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type FramePixelFormat = 'rgb' | 'bgr' | 'gray';

export interface FfmpegFramesOptions {
  /** A file path, URL or device. */
  source: string;
  /** ffmpeg's `-f` before the input (v4l2, lavfi, ...); empty: guessed by ffmpeg. */
  inputFormat?: string;
  /** More input options, e.g. ['-rtsp_transport', 'tcp'] or ['-listen', '1']. */
  inputArgs?: readonly string[];
  /** Default rgb. */
  pixelFormat?: FramePixelFormat;
  /** The frames' size: ffmpeg scales to it (with crop: after cropping). Absent: the crop's or the source's. */
  width?: number;
  height?: number;
  /** ffmpeg's crop filter arguments `w:h:x:y`, applied before scaling. */
  crop?: string;
  /** Frames per second to keep (0 or absent: all). */
  fps?: number;
  /** Read at the source's own pace (`-re`), as a live camera delivers. */
  realtime?: boolean;
  /** Stop after this many frames (0 or absent: the whole source). */
  maxFrames?: number;
  signal?: AbortSignal;
  /** The ffmpeg binary (default `ffmpeg` on PATH; ffprobe is looked up beside it by name). */
  ffmpeg?: string;
}

export interface RawFrame {
  /** width x height x channels bytes, rows top to bottom, channels interleaved (HWC). */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly pixelFormat: FramePixelFormat;
  /** 0, 1, 2, ... in the order ffmpeg gave them. */
  readonly index: number;
  /** When the frame was read, ms since the epoch. */
  readonly captureMs: number;
}

export class FfmpegError extends Error {
  override readonly name = 'FfmpegError';
}

const STREAMS_WITHOUT_PROBE = /^(tcp|rtsp|udp):/;

function probeArgs(source: string, inputFormat: string | undefined): string[] {
  return ['-v', 'error', ...(inputFormat ? ['-f', inputFormat] : []), '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0:s=x', source];
}

function parseProbe(source: string, out: string): { width: number; height: number } {
  const match = /^(\d+)x(\d+)/.exec(out.trim());
  if (!match || !(Number(match[1]) > 0) || !(Number(match[2]) > 0)) throw new FfmpegError(`ffprobe found no video stream in ${source}`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** The size a crop `w:h:x:y` gives, if it names one. */
function cropSize(crop: string | undefined): { width: number; height: number } | undefined {
  if (!crop) return undefined;
  const [w, h] = crop.split(':').map(Number);
  return (w as number) > 0 && (h as number) > 0 ? { width: w as number, height: h as number } : undefined;
}

function refuseUnprobeable(source: string): void {
  if (STREAMS_WITHOUT_PROBE.test(source)) throw new FfmpegError(`the size of a ${source.split(':')[0]} stream cannot be probed without consuming it: give width and height`);
}

/** The frames' size: the one asked for, the crop's, or the source's first video stream's (ffprobe). */
export async function probeVideoSize(source: string, options: { inputFormat?: string; crop?: string } = {}): Promise<{ width: number; height: number }> {
  const cropped = cropSize(options.crop);
  if (cropped) return cropped;
  refuseUnprobeable(source);
  try {
    return parseProbe(source, (await run('ffprobe', probeArgs(source, options.inputFormat), { timeout: 30_000 })).stdout);
  } catch (error) {
    if (error instanceof FfmpegError) throw error;
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new FfmpegError(`ffprobe could not read ${source}: ${detail}`, { cause: error });
  }
}

/** The same, blocking: for callers that need the size in a constructor. */
export function probeVideoSizeSync(source: string, options: { inputFormat?: string; crop?: string } = {}): { width: number; height: number } {
  const cropped = cropSize(options.crop);
  if (cropped) return cropped;
  refuseUnprobeable(source);
  const r = spawnSync('ffprobe', probeArgs(source, options.inputFormat), { encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw new FfmpegError(`cannot run ffprobe: ${r.error.message} (install ffmpeg)`);
  if (r.status !== 0) throw new FfmpegError(`ffprobe could not read ${source}: ${r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`}`);
  return parseProbe(source, r.stdout);
}

/** ffmpeg's arguments for a reader of `size` frames. */
export function ffmpegFrameArgs(options: FfmpegFramesOptions, size: { width: number; height: number }): string[] {
  const filters: string[] = [];
  if (options.fps) filters.push(`fps=${options.fps}`);
  if (options.crop) filters.push(`crop=${options.crop}`);
  if (options.width && options.height) filters.push(`scale=${size.width}:${size.height}`);
  const pixelFormat = options.pixelFormat ?? 'rgb';
  return [
    '-nostdin', '-hide_banner', '-loglevel', 'error',
    ...(options.realtime ? ['-re'] : []),
    ...(options.inputFormat ? ['-f', options.inputFormat] : []),
    ...(options.inputArgs ?? []),
    '-i', options.source,
    ...(filters.length ? ['-vf', filters.join(',')] : []),
    ...(options.maxFrames ? ['-frames:v', String(options.maxFrames)] : []),
    '-an', '-f', 'rawvideo', '-pix_fmt', pixelFormat === 'gray' ? 'gray' : pixelFormat === 'bgr' ? 'bgr24' : 'rgb24', 'pipe:1',
  ];
}

/** Frames of the source, in order (see the module's comment). */
export async function* readFfmpegFrames(options: FfmpegFramesOptions): AsyncGenerator<RawFrame> {
  const size = options.width && options.height ? { width: options.width, height: options.height } : await probeVideoSize(options.source, options);
  const pixelFormat = options.pixelFormat ?? 'rgb';
  const channels = pixelFormat === 'gray' ? 1 : 3;
  const frameBytes = size.width * size.height * channels;
  const child = spawn(options.ffmpeg ?? 'ffmpeg', ffmpegFrameArgs(options, size), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const onAbort = (): void => void child.kill('SIGTERM');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const lastWords = (): string => stderr.trim().split('\n').at(-1) || 'no message';
  let index = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes < frameBytes) continue;
      let all = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
      let offset = 0;
      while (all.length - offset >= frameBytes) {
        // A copy, so the frame does not pin ffmpeg's read buffer (and can be sent to worker threads).
        const data = new Uint8Array(frameBytes);
        data.set(all.subarray(offset, offset + frameBytes));
        offset += frameBytes;
        yield { data, width: size.width, height: size.height, channels, pixelFormat, index: index++, captureMs: Date.now() };
        if (options.signal?.aborted) return;
      }
      all = all.subarray(offset);
      pending = all.length ? [all] : [];
      pendingBytes = all.length;
    }
    const code = await Promise.race([exited, spawnError.then((e) => e)]);
    if (code instanceof Error) throw new FfmpegError(`cannot run ffmpeg: ${code.message} (install ffmpeg)`);
    if (options.signal?.aborted) return;
    if (code !== 0) throw new FfmpegError(`ffmpeg failed on ${options.source} (exit ${code}): ${lastWords()}`);
    if (index === 0) throw new FfmpegError(`${options.source} gave no frames: ${stderr.trim() ? lastWords() : 'empty stream'}`);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  }
}
