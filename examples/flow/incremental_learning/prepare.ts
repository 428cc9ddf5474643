/**
 * Prepares the example: the incremental learning example's own preparation (base model, the new site's frames and
 * ground truth, an empty dataset; examples/incremental_learning/fashion_mnist/prepare.ts), then the camera: the
 * site's frames as a video, losslessly (FFV1, grey), at --fps frames per second, which the graph's camera_input
 * plays at its own pace.
 *
 *   node --import tsx examples/flow/incremental_learning/prepare.ts --work DIR [--frames 1200 --holdout 400
 *     --base-samples 6000 --base-epochs 3] [--fps 400]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../../incremental_learning/fashion_mnist/model.js';
import { prepare } from '../../incremental_learning/fashion_mnist/prepare.js';

export async function prepareCamera(options: { work: string; frames: number; holdout: number; baseSamples: number; baseEpochs: number; fps: number; log?: (line: string) => void }): Promise<string> {
  const p = await prepare({ work: options.work, frames: options.frames, holdout: options.holdout, baseSamples: options.baseSamples, baseEpochs: options.baseEpochs, ...(options.log ? { log: options.log } : {}) });
  const video = path.join(path.dirname(p.framesDir), 'camera.mkv');
  if (!existsSync(video)) {
    (options.log ?? console.log)(`encoding the ${options.frames} frames as the camera's video ${video} (${options.fps} fps, lossless)`);
    execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-framerate', String(options.fps), '-start_number', '0', '-i', path.join(p.framesDir, 'frame-%05d.pgm'), '-c:v', 'ffv1', '-pix_fmt', 'gray', video]);
  }
  return video;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      work: { type: 'string' },
      frames: { type: 'string', default: String(DEFAULTS.frames) },
      holdout: { type: 'string', default: String(DEFAULTS.holdout) },
      'base-samples': { type: 'string', default: String(DEFAULTS.baseSamples) },
      'base-epochs': { type: 'string', default: String(DEFAULTS.baseEpochs) },
      fps: { type: 'string', default: '400' },
    },
  });
  if (!values.work) throw new Error('--work DIR is required');
  const video = await prepareCamera({ work: path.resolve(values.work), frames: Number(values.frames), holdout: Number(values.holdout), baseSamples: Number(values['base-samples']), baseEpochs: Number(values['base-epochs']), fps: Number(values.fps) });
  console.log(`camera: ${video}`);
}
