/**
 * The baseline: the same model trained on one machine on the union of the nodes' images, for the same total number
 * of epochs as the federated run (rounds × local epochs), evaluated on the same test images after every
 * round's worth of epochs.
 */
import { createModel, readIndex, type LabelledImages } from './model.js';

export interface CentralOptions {
  nodeIndexes: readonly string[];
  testIndex: string;
  rounds: number;
  epochsPerRound: number;
  batchSize: number;
  seed: number;
  log: (line: string) => void;
}

function union(parts: readonly LabelledImages[]): LabelledImages {
  const n = parts.reduce((sum, part) => sum + part.y.length, 0);
  const x = new Float32Array(n * 784);
  const y = new Int32Array(n);
  let offset = 0;
  for (const part of parts) {
    x.set(part.x.data, offset * 784);
    y.set(part.y, offset);
    offset += part.y.length;
  }
  return { x: { data: x, shape: [n, 784] }, y };
}

/** Test accuracy after each round's worth of epochs. */
export async function trainCentrally(options: CentralOptions): Promise<number[]> {
  const data = union(await Promise.all(options.nodeIndexes.map((file) => readIndex(file))));
  const test = await readIndex(options.testIndex);
  const model = createModel(options.seed);
  const accuracy: number[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    await model.train(data.x, data.y, { epochs: options.epochsPerRound, batchSize: options.batchSize, seed: options.seed * 1000 + round });
    const metrics = await model.evaluate(test.x, test.y);
    accuracy.push(metrics['accuracy']!);
    options.log(`central: ${round * options.epochsPerRound} epoch(s) on ${data.y.length} images: test accuracy ${(metrics['accuracy']! * 100).toFixed(2)} %`);
  }
  return accuracy;
}
