/** What the example's tests share: a trained feature extractor kept between runs (trained here once, on a slice). */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_FILE, trainFeatureExtractor } from './embedder.js';

export const TEST_MODELS_DIR = join(tmpdir(), 'sedna-multiedge-test-models');

/** The models folder with a feature extractor in it (60 training steps the first time). */
export async function ensureTestModel(): Promise<string> {
  if (!existsSync(join(TEST_MODELS_DIR, MODEL_FILE))) await trainFeatureExtractor({ outDir: TEST_MODELS_DIR, steps: 60, items: 3000 });
  return TEST_MODELS_DIR;
}
