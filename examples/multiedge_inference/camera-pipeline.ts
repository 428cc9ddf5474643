/**
 * What an edge camera's worker does to each frame, shared by the video analytics job's worker and the tracking
 * workers of ObjectSearch/ObjectTracking: detection (background subtraction after its warm-up, or the trained
 * detector: ./detector-trained.ts), IoU/Hungarian tracking in `tracking` mode (tracklets -1 in `detection` mode), and
 * the boxes' crops as a message (the original's DetTrackResult).
 */
import { cropAttachment, type DetTrackMessage, type Frame, type OpMode } from '@sedna/lib/multi_edge_inference';
import { BackgroundSubtractionDetector, type Detection } from './detector.js';
import { TrainedDetector } from './detector-trained.js';
import { cropRgb, rgbToGray, type Box, type Gray } from './image.js';
import { IouTracker } from './tracker.js';

export interface PipelineCounters {
  frames: number;
  warmupFrames: number;
  detections: number;
}

/** Either detector: background subtraction learns the scene first (`learn`), the trained one is ready at once. */
export interface FrameDetector {
  readonly ready: boolean;
  learn?(frame: Gray): boolean;
  detect(frame: Gray): Detection[] | Promise<Detection[]>;
}

export class CameraPipeline {
  readonly counters: PipelineCounters = { frames: 0, warmupFrames: 0, detections: 0 };
  opMode: OpMode;
  private readonly tracker = new IouTracker();

  constructor(
    private readonly camera: string,
    options: { opMode?: string },
    private readonly detector: FrameDetector,
  ) {
    const mode = options.opMode ?? 'tracking';
    if (mode !== 'tracking' && mode !== 'detection') throw new Error(`op_mode must be tracking or detection; got ${JSON.stringify(mode)}`);
    this.opMode = mode;
  }

  /** Which detector: the trained one when `detectorModel` is an ONNX file, else background subtraction. */
  get detectorKind(): string {
    return this.detector instanceof TrainedDetector ? 'trained' : 'background-subtraction';
  }

  /**
   * The pipeline from the worker's env (op_mode, and for background subtraction min_area and warmup, as the
   * example's YAML sets them). `detectorModel`: the VA job's model (MODEL_URL) or a tracking worker's
   * `detector_model`; an `.onnx` file is the trained detector, anything else (detector.json) background subtraction.
   */
  static async fromEnv(camera: string, detectorModel: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<CameraPipeline> {
    const detector: FrameDetector = detectorModel?.endsWith('.onnx')
      ? await TrainedDetector.load(detectorModel)
      : new BackgroundSubtractionDetector({ ...(env.min_area ? { minArea: Number(env.min_area) } : {}), ...(env.warmup ? { warmup: Number(env.warmup) } : {}) });
    return new CameraPipeline(camera, { ...(env.op_mode ? { opMode: env.op_mode } : {}) }, detector);
  }

  /** One frame: undefined while the background is being learnt, else the boxes, their tracks and crops. */
  async process(frame: Frame): Promise<DetTrackMessage | undefined> {
    this.counters.frames++;
    const gray = rgbToGray(frame.rgb, frame.width, frame.height);
    if (!this.detector.ready) {
      this.detector.learn?.(gray);
      this.counters.warmupFrames++;
      return undefined;
    }
    const detections = await this.detector.detect(gray);
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
