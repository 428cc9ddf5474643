/**
 * Video and camera input through ffmpeg, with ModelBox's unit names and ports:
 * - `video_input` (source): the video's URL, `repeat` times;
 * - `video_demuxer` (expand): one URL to its stream of frames. The demuxing and the decoding both happen in the
 *   ffmpeg process it starts (ModelBox splits them in two units; the split is kept so its graphs run unchanged);
 * - `video_decoder`: the frame in the pixel format the graph asks for (rgb, bgr, gray);
 * - `camera_input` (source): frames of a live source (a device with input_format=v4l2, an rtsp/tcp/http URL, or a
 *   file played at its own pace with realtime=true) as one stream.
 */
import path from 'node:path';
import type { UnitContext, UnitDefinition, UnitOutput } from '../../types.js';
import { convertPixelFormat, isImage } from '../image/image-ops.js';
import { defineUnit, option } from '../define.js';
import { readFfmpegFrames, type FfmpegFramesOptions } from '../../../video/ffmpeg-frames.js';
import type { Image } from '../image/image-ops.js';
import { WORKER_ENV } from '@sedna/api/contracts';

const PIXEL_FORMATS = ['rgb', 'bgr', 'gray'] as const;
type PixelFormat = (typeof PIXEL_FORMATS)[number];

function pixelFormat(value: string, where: string): PixelFormat {
  const v = value.toLowerCase().replace(/24$/, '');
  if ((PIXEL_FORMATS as readonly string[]).includes(v)) return v as PixelFormat;
  throw new Error(`${where}: pix_fmt ${JSON.stringify(value)} is not supported (rgb, bgr, gray; nv12 is a GPU format we do not have)`);
}

/** A relative file path is relative to the graph; URLs and devices stay as they are. */
function resolveSource(source: string, baseDir: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(source) || path.isAbsolute(source)) return source;
  return path.resolve(baseDir, source);
}

const frameOptions = [
  { name: 'pix_fmt', type: 'string', description: 'rgb, bgr or gray', default: 'rgb' },
  { name: 'width', type: 'integer', description: 'scale to this width in ffmpeg (0: the source\'s)', default: 0 },
  { name: 'height', type: 'integer', description: 'scale to this height in ffmpeg (0: the source\'s)', default: 0 },
  { name: 'fps', type: 'number', description: 'frames per second to keep (0: all)', default: 0 },
  { name: 'realtime', type: 'boolean', description: 'read at the source\'s own pace (-re), as a live camera delivers', default: false },
  { name: 'input_format', type: 'string', description: 'ffmpeg -f for the input (v4l2 for a camera device)', default: '' },
  { name: 'max_frames', type: 'integer', description: 'stop after this many frames (0: all)', default: 0 },
] as const;

function framesOptions(context: UnitContext, source: string): FfmpegFramesOptions {
  return {
    source,
    pixelFormat: pixelFormat(option<string>(context, 'pix_fmt'), `node ${context.node}`),
    width: option<number>(context, 'width'),
    height: option<number>(context, 'height'),
    fps: option<number>(context, 'fps'),
    realtime: option<boolean>(context, 'realtime'),
    inputFormat: option<string>(context, 'input_format'),
    maxFrames: option<number>(context, 'max_frames'),
    signal: context.signal,
  };
}

/** The frames as items; with `loop` the source is played again from its start (meta `pass` counts the plays). */
async function* framesAsOutputs(options: FfmpegFramesOptions, port: string, frameId: (index: number) => string, loop = false): AsyncGenerator<UnitOutput> {
  for (let pass = 0; pass === 0 || (loop && !options.signal?.aborted); pass++) {
    for await (const frame of readFfmpegFrames(options)) {
      const image: Image = { data: frame.data, width: frame.width, height: frame.height, channels: frame.channels, layout: 'hwc', pixelFormat: frame.pixelFormat };
      yield { ports: { [port]: image }, meta: { frame_index: frame.index, frame_id: frameId(frame.index), pass } };
    }
  }
}

const videoInput = defineUnit({
  name: 'video_input',
  kind: 'source',
  description: 'The URL of a video (file, http, rtsp, tcp), repeat times',
  outputs: [['out_video_url', 'url']],
  options: [
    { name: 'source_url', type: 'string', description: 'the video', env: WORKER_ENV.VIDEO_URL, required: true },
    { name: 'repeat', type: 'integer', description: 'how many times to play it', default: 1 },
  ],
  open(context) {
    const url = resolveSource(option<string>(context, 'source_url'), context.baseDir);
    const repeat = option<number>(context, 'repeat');
    if (repeat < 1) throw new Error('option repeat must be at least 1');
    return {
      async *source() {
        for (let k = 0; k < repeat && !context.signal.aborted; k++) yield { ports: { out_video_url: url }, meta: { video_url: url, repeat_index: k } };
      },
    };
  },
});

const videoDemuxer = defineUnit({
  name: 'video_demuxer',
  kind: 'expand',
  description: 'A video URL to its stream of decoded frames (demuxed and decoded by ffmpeg)',
  inputs: [['in_video_url', 'url']],
  outputs: [['out_video_packet', 'image']],
  options: frameOptions,
  open(context) {
    const prefix = context.node;
    framesOptions(context, 'check');
    return { expand: (input) => framesAsOutputs(framesOptions(context, String(input.ports.in_video_url)), 'out_video_packet', (k) => `${prefix}-${String(k).padStart(6, '0')}`) };
  },
});

const videoDecoder = defineUnit({
  name: 'video_decoder',
  kind: 'normal',
  description: 'A decoded frame in the pixel format asked for (rgb, bgr, gray)',
  inputs: [['in_video_packet', 'image']],
  outputs: [['out_video_frame', 'image']],
  options: [{ name: 'pix_fmt', type: 'string', description: 'rgb, bgr or gray', default: 'rgb' }],
  open(context) {
    const format = pixelFormat(option<string>(context, 'pix_fmt'), `node ${context.node}`);
    return {
      process: (batch) =>
        batch.map((item) => {
          const frame = item.ports.in_video_packet;
          if (!isImage(frame)) throw new TypeError('in_video_packet must be a frame');
          return { ports: { out_video_frame: convertPixelFormat(frame, format) } };
        }),
    };
  },
});

const cameraInput = defineUnit({
  name: 'camera_input',
  kind: 'source',
  description: 'Frames of a camera or live stream through ffmpeg (a device with input_format=v4l2, an rtsp/tcp/http URL, or a file)',
  outputs: [['out_frame', 'image']],
  options: [
    { name: 'source_url', type: 'string', description: 'the camera: a device, URL or file', env: WORKER_ENV.VIDEO_URL, required: true },
    { name: 'frame_id_format', type: 'string', description: 'the frame_id meta of frame k: {k} is k, {k:5} zero-padded to 5 digits', default: 'frame-{k:6}' },
    { name: 'loop', type: 'boolean', description: 'play a file source again when it ends (meta pass counts the plays)', default: false },
    ...frameOptions,
  ],
  open(context) {
    // With an input format the source is a device or a filter description, not a file path.
    const raw = option<string>(context, 'source_url');
    const options = framesOptions(context, option<string>(context, 'input_format') ? raw : resolveSource(raw, context.baseDir));
    const format = option<string>(context, 'frame_id_format');
    const frameId = (k: number): string => format.replace(/\{k(?::(\d+))?\}/g, (_, width: string | undefined) => (width ? String(k).padStart(Number(width), '0') : String(k)));
    const loop = option<boolean>(context, 'loop');
    return { source: () => framesAsOutputs(options, 'out_frame', frameId, loop) };
  },
});

export const videoUnits: UnitDefinition[] = [videoInput, videoDemuxer, videoDecoder, cameraInput];
