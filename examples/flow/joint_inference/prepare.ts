/**
 * Prepares the joint inference graph's files: the example's two models (examples/joint_inference/fashion_mnist,
 * trained and exported to ONNX with its own train.ts; reused when present) and the camera: the first --count
 * Fashion-MNIST test images as PGM files with an index (`img-NNNNN.pgm label` a line).
 *
 *   node --import tsx examples/flow/joint_inference/prepare.ts --work DIR [--count 300] [--train-count 3000]
 *     [--epochs-little 2] [--epochs-big 2]
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { modelPaths } from '../../joint_inference/fashion_mnist/models.js';
import { trainModels } from '../../joint_inference/fashion_mnist/train.js';
import { loadFashionMnist, writeImageSet } from '@sedna/lib';

export interface PreparedJointInference {
  littleModel: string;
  bigModel: string;
  cameraIndex: string;
}

export async function prepareJointInference(options: { work: string; count: number; trainCount: number; epochsLittle: number; epochsBig: number; log?: (line: string) => void }): Promise<PreparedJointInference> {
  const modelsDir = path.join(options.work, 'models');
  const paths = modelPaths(modelsDir);
  if (!existsSync(paths.little) || !existsSync(paths.big)) {
    await trainModels({ outDir: modelsDir, trainCount: options.trainCount, epochsLittle: options.epochsLittle, epochsBig: options.epochsBig, testCount: 1000, ...(options.log ? { log: options.log } : {}) });
  }
  const test = await loadFashionMnist({ split: 'test', count: options.count });
  const { indexFile } = await writeImageSet(test.pixels, test.y, 28, 28, { dir: path.join(options.work, 'camera'), prefix: 'img' });
  return { littleModel: paths.little, bigModel: paths.big, cameraIndex: indexFile };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      work: { type: 'string' },
      count: { type: 'string', default: '300' },
      'train-count': { type: 'string', default: '3000' },
      'epochs-little': { type: 'string', default: '2' },
      'epochs-big': { type: 'string', default: '2' },
    },
  });
  if (!values.work) throw new Error('--work DIR is required');
  console.log(JSON.stringify(await prepareJointInference({ work: path.resolve(values.work), count: Number(values.count), trainCount: Number(values['train-count']), epochsLittle: Number(values['epochs-little']), epochsBig: Number(values['epochs-big']) })));
}
