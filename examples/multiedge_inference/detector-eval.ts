/**
 * Both detectors on the synthetic scenario against its exact ground truth, without a control plane: every frame of
 * both cameras through background subtraction (after its warm-up) and through the trained detector, AP at IoU 0.5
 * over the same frames (those after the warm-up), and the time per frame.
 *   node --import tsx examples/multiedge_inference/detector-eval.ts [--frames 220] [--identities 10] [--distractors 2]
 */
import { parseArgs } from 'node:util';
import { BackgroundSubtractionDetector } from './detector.js';
import { TrainedDetector } from './detector-trained.js';
import { rgbToGray } from './image.js';
import { averagePrecision, type FrameResult, type GtFrame } from './metrics.js';
import { CAMERAS, makeScenario, type ScenarioOptions } from './scene.js';

export interface DetectorFigures {
  /** Per camera: AP@0.5 of each detector, and its ms per frame. */
  cameras: Record<string, { background_subtraction: number; trained: number; background_subtraction_ms: number; trained_ms: number }>;
  frames: number;
  warmup: number;
}

export async function compareDetectors(modelPath: string, scenarioOptions: ScenarioOptions, warmup = 25): Promise<DetectorFigures> {
  const scenario = await makeScenario(scenarioOptions);
  const cameras: DetectorFigures['cameras'] = {};
  for (const camera of CAMERAS) {
    const trained = await TrainedDetector.load(modelPath); // one per camera: it keeps the camera's previous frame
    const bs = new BackgroundSubtractionDetector({ warmup, minArea: 120 });
    const gt: GtFrame[] = [];
    const bsOut: FrameResult[] = [];
    const trainedOut: FrameResult[] = [];
    let bsMs = 0;
    let trainedMs = 0;
    for (let t = 0; t < scenario.frames; t++) {
      const gray = rgbToGray(scenario.renderFrame(camera, t), camera.width, camera.height);
      if (!bs.ready) {
        bs.learn(gray);
        continue;
      }
      gt.push({ frame: t, boxes: scenario.groundTruth(camera, t).map((g) => ({ id: g.id, box: g.box })) });
      let started = performance.now();
      bsOut.push({ frame: t, boxes: bs.detect(gray).map((d) => ({ ...d, track: -1 })) });
      bsMs += performance.now() - started;
      started = performance.now();
      trainedOut.push({ frame: t, boxes: (await trained.detect(gray)).map((d) => ({ ...d, track: -1 })) });
      trainedMs += performance.now() - started;
    }
    cameras[camera.name] = { background_subtraction: averagePrecision(gt, bsOut), trained: averagePrecision(gt, trainedOut), background_subtraction_ms: bsMs / gt.length, trained_ms: trainedMs / gt.length };
  }
  return { cameras, frames: scenario.frames, warmup };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { model: { type: 'string', default: '/tmp/sedna-multiedge/models/detector-mlp-v2.onnx' }, frames: { type: 'string', default: '220' }, identities: { type: 'string', default: '10' }, distractors: { type: 'string', default: '2' } } });
  console.log(JSON.stringify(await compareDetectors(values.model!, { frames: Number(values.frames), identities: Number(values.identities), distractors: Number(values.distractors) })));
}
