/**
 * Decoded frames from ffmpeg: a file, a URL (http, tcp, rtsp, ...) or a camera device (`input_format=v4l2`,
 * `/dev/video0`), as raw rgb24/bgr24/gray frames on a pipe, read one frame at a time. Reading is pulled: when the
 * flow does not take frames, the pipe fills and ffmpeg waits (no frames pile up in memory); a live source then
 * drops at the source, as a camera does. The frame size comes from ffprobe unless the caller scales.
 *
 * Kept inside the flow runtime on purpose: the multi-edge inference work has its own ffmpeg frame source; the
 * two are meant to be unified later.
 */
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Image } from '../image/image-ops.js';

const run = promisify(execFile);

export interface FfmpegFramesOptions {
  /** A file path, URL or device. */
  source: string;
  /** ffmpeg's `-f` before the input (v4l2, lavfi, ...); empty: guessed by ffmpeg. */
  inputFormat?: string;
  /** rgb, bgr or gray. */
  pixelFormat: 'rgb' | 'bgr' | 'gray';
  /** Scale in ffmpeg to this size (0: the source's). */
  width?: number;
  height?: number;
  /** Frames per second to keep (0: all). */
  fps?: number;
  /** Read at the source's own pace (`-re`), as a live camera would deliver. */
  realtime?: boolean;
  /** Stop after this many frames (0: the whole source). */
  maxFrames?: number;
  signal?: AbortSignal;
}

export interface DecodedFrame {
  readonly image: Image;
  readonly index: number;
}

/** The source's frame size, from ffprobe. */
export async function probeVideoSize(source: string, inputFormat?: string): Promise<{ width: number; height: number }> {
  const args = ['-v', 'error', ...(inputFormat ? ['-f', inputFormat] : []), '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0:s=x', source];
  let out: string;
  try {
    out = (await run('ffprobe', args, { timeout: 30_000 })).stdout.trim();
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(`ffprobe could not read ${source}: ${detail}`, { cause: error });
  }
  const match = /^(\d+)x(\d+)/.exec(out);
  if (!match) throw new Error(`ffprobe found no video stream in ${source}`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** Frames of the source, in order; ends with the source or when the signal aborts (ffmpeg is then stopped). */
export async function* ffmpegFrames(options: FfmpegFramesOptions): AsyncGenerator<DecodedFrame> {
  const size = options.width && options.height ? { width: options.width, height: options.height } : await probeVideoSize(options.source, options.inputFormat);
  const channels = options.pixelFormat === 'gray' ? 1 : 3;
  const frameBytes = size.width * size.height * channels;
  const filters: string[] = [];
  if (options.fps) filters.push(`fps=${options.fps}`);
  if (options.width && options.height) filters.push(`scale=${options.width}:${options.height}`);
  const args = [
    '-nostdin', '-hide_banner', '-loglevel', 'error',
    ...(options.realtime ? ['-re'] : []),
    ...(options.inputFormat ? ['-f', options.inputFormat] : []),
    '-i', options.source,
    ...(filters.length ? ['-vf', filters.join(',')] : []),
    ...(options.maxFrames ? ['-frames:v', String(options.maxFrames)] : []),
    '-an', '-f', 'rawvideo', '-pix_fmt', options.pixelFormat === 'gray' ? 'gray' : options.pixelFormat === 'bgr' ? 'bgr24' : 'rgb24', 'pipe:1',
  ];
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const onAbort = (): void => void child.kill('SIGTERM');
  options.signal?.addEventListener('abort', onAbort, { once: true });
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
        yield { image: { data, width: size.width, height: size.height, channels, layout: 'hwc', pixelFormat: options.pixelFormat }, index: index++ };
        if (options.signal?.aborted) return;
      }
      all = all.subarray(offset);
      pending = all.length ? [all] : [];
      pendingBytes = all.length;
    }
    const code = await Promise.race([exited, spawnError.then((e) => e)]);
    if (code instanceof Error) throw new Error(`ffmpeg could not start: ${code.message} (is ffmpeg installed?)`);
    if (code !== 0 && !options.signal?.aborted) throw new Error(`ffmpeg failed on ${options.source} (exit ${code}): ${stderr.trim() || 'no message'}`);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  }
}
