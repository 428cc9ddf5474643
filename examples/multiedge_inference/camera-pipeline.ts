/**
 * What an edge camera's worker does to each frame, shared by the video analytics job's worker and the tracking
 * workers of ObjectSearch/ObjectTracking: background subtraction (after its warm-up), IoU/Hungarian tracking in
 * `tracking` mode (tracklets -1 in `detection` mode), and the boxes' crops as a message (the original's
 * DetTrackResult).
 */
import { cropAttachment, type DetTrackMessage, type Frame, type OpMode } from '@sedna/lib/multi_edge_inference';
import { BackgroundSubtractionDetector } from './detector.js';
import { cropRgb, rgbToGray, type Box } from './image.js';
import { IouTracker } from './tracker.js';

export interface PipelineCounters {
  frames: number;
  warmupFrames: number;
  detections: number;
}

export class CameraPipeline {
  readonly counters: PipelineCounters = { frames: 0, warmupFrames: 0, detections: 0 };
  opMode: OpMode;
  private readonly detector: BackgroundSubtractionDetector;
  private readonly tracker = new IouTracker();

  constructor(
    private readonly camera: string,
    options: { opMode?: string; minArea?: number; warmup?: number },
  ) {
    const mode = options.opMode ?? 'tracking';
    if (mode !== 'tracking' && mode !== 'detection') throw new Error(`op_mode must be tracking or detection; got ${JSON.stringify(mode)}`);
    this.opMode = mode;
    this.detector = new BackgroundSubtractionDetector({ ...(options.minArea ? { minArea: options.minArea } : {}), ...(options.warmup ? { warmup: options.warmup } : {}) });
  }

  /** The detector's settings from the worker's env (min_area, warmup, op_mode), as the example's YAML sets them. */
  static fromEnv(camera: string, env: NodeJS.ProcessEnv = process.env): CameraPipeline {
    return new CameraPipeline(camera, { ...(env.op_mode ? { opMode: env.op_mode } : {}), ...(env.min_area ? { minArea: Number(env.min_area) } : {}), ...(env.warmup ? { warmup: Number(env.warmup) } : {}) });
  }

  /** One frame: undefined while the background is being learnt, else the boxes, their tracks and crops. */
  process(frame: Frame): DetTrackMessage | undefined {
    this.counters.frames++;
    const gray = rgbToGray(frame.rgb, frame.width, frame.height);
    if (!this.detector.ready) {
      this.detector.learn(gray);
      this.counters.warmupFrames++;
      return undefined;
    }
    const detections = this.detector.detect(gray);
    const tracks = this.opMode === 'tracking' ? this.tracker.update(frame.index, detections.map((d) => d.box)) : detections.map(() => -1);
    this.counters.detections += detections.length;
    const crops = detections.map((d, i) => cropAttachment(`crop-${i}`, cropRgb(frame.rgb, frame.width, d.box as Box)));
    return {
      header: {
        camera: this.camera,
        frame_index: frame.index,
        detection_time: new Date(frame.captureMs).toISOString(),
        capture_ms: frame.captureMs,
        bbox_coord: detections.map((d) => d.box),
        confidence: detections.map((d) => Math.round(d.confidence * 1e4) / 1e4),
        tracklets: tracks,
        attachments: crops.map((c) => c.info),
      },
      attachments: crops.map((c) => c.bytes),
    };
  }
}
