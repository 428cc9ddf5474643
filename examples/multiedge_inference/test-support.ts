/** What the example's tests share: a trained feature extractor and detector kept between runs (trained here once, on a slice). */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainDetector } from './detector-train.js';
import { DETECTOR_MODEL_FILE, settingsPath } from './detector-trained.js';
import { trainFeatureExtractor } from './embedder-train.js';
import { MODEL_FILE } from './embedder.js';

export const TEST_MODELS_DIR = join(tmpdir(), 'sedna-multiedge-test-models');
/** Rendered scenarios and cut videos kept between runs (each under a key of its options: ./scenario-files.ts). */
export const TEST_CACHE_DIR = join(tmpdir(), 'sedna-multiedge-test-cache');

/** The models folder with a feature extractor in it (60 training steps the first time). */
export async function ensureTestModel(): Promise<string> {
  if (!existsSync(join(TEST_MODELS_DIR, MODEL_FILE))) await trainFeatureExtractor({ outDir: TEST_MODELS_DIR, steps: 60, items: 3000 });
  return TEST_MODELS_DIR;
}

/**
 * The models folder with the trained detector in it too (trained here once, on a slice: 60 frames of three cameras,
 * 5 epochs, its threshold chosen on 40 validation frames; a few minutes on a loaded machine).
 */
export async function ensureTestDetector(): Promise<string> {
  if (!existsSync(join(TEST_MODELS_DIR, DETECTOR_MODEL_FILE)) || !existsSync(settingsPath(join(TEST_MODELS_DIR, DETECTOR_MODEL_FILE)))) await trainDetector({ outDir: TEST_MODELS_DIR, frames: 60, epochs: 5, validationFrames: 40 });
  return TEST_MODELS_DIR;
}
