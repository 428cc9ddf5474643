/**
 * Camera input: frames as raw RGB at the job's fps. `FfmpegFrameSource` reads any source ffmpeg opens (a file,
 * `tcp://`, `http://`, `rtsp://`) through the lib's one ffmpeg frame reader (../../video/ffmpeg-frames.ts, also the
 * flow runtime's): `ffmpeg -i <url> -vf fps=N[,crop=...][,scale=WxH] -f rawvideo -pix_fmt rgb24 pipe:1` cut into
 * W*H*3-byte frames; `ArrayFrameSource` serves frames from memory for tests and machines without ffmpeg. A source
 * that ends returns; one that fails throws a CameraError with ffmpeg's last words.
 */
import { FfmpegError, ffmpegFrameArgs, probeVideoSizeSync, readFfmpegFrames } from '../../video/ffmpeg-frames.js';

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
  try {
    return probeVideoSizeSync(url, crop ? { crop } : {});
  } catch (err) {
    // The job's condition and Events carry this: say first that the camera could not be opened, then why.
    throw err instanceof FfmpegError ? new CameraError(`cannot open the video ${url}: ${err.message}`) : err;
  }
}

export class FfmpegFrameSource implements FrameSource {
  readonly width: number;
  readonly height: number;
  private readonly abort = new AbortController();

  constructor(private readonly options: FfmpegSourceOptions) {
    if (!(options.fps > 0)) throw new CameraError(`fps must be positive; got ${options.fps}`);
    const size = options.width && options.height ? { width: options.width, height: options.height } : probeSize(options.url, options.crop);
    this.width = size.width;
    this.height = size.height;
  }

  private readerOptions() {
    const o = this.options;
    return { source: o.url, fps: o.fps, width: this.width, height: this.height, ...(o.crop ? { crop: o.crop } : {}), realtime: o.realtime ?? false, ...(o.inputArgs ? { inputArgs: o.inputArgs } : {}), ...(o.ffmpeg ? { ffmpeg: o.ffmpeg } : {}), signal: this.abort.signal };
  }

  args(): string[] {
    return ffmpegFrameArgs(this.readerOptions(), this);
  }

  async *frames(): AsyncIterable<Frame> {
    try {
      for await (const f of readFfmpegFrames(this.readerOptions())) yield { index: f.index, width: f.width, height: f.height, rgb: f.data, captureMs: f.captureMs };
    } catch (err) {
      throw err instanceof FfmpegError ? new CameraError(err.message) : err;
    }
  }

  close(): void {
    this.abort.abort();
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
