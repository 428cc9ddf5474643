/**
 * The edge worker's own settings, from its template's `env` (the original helmet example's names where it had
 * them). The joint inference settings (MODEL_URL, BIG_MODEL_IP/PORT, HEM_NAME, MINING_MODE, LC_SERVER, ...) are
 * read by the lib itself.
 */
import { Context, FASHION_MNIST_DIR, FASHION_MNIST_SPLIT_SIZES, type Env } from './sedna-lib.js';

export interface EdgeConfig {
  /** all_examples_inference_output: every image's final answer, and summary.json at the end. */
  allExamplesOutput: string;
  /** hard_example_edge_inference_output: the little model's answers to the hard examples. */
  hardExampleEdgeOutput: string;
  /** hard_example_cloud_inference_output: the big model's answers to the hard examples. */
  hardExampleCloudOutput: string;
  /** camera_offset (default 0): the first test image the camera streams. */
  cameraOffset: number;
  /** camera_count (default: the rest of the test split): how many images it streams. */
  cameraCount: number;
  /** camera_concurrency (default 1): images in flight at once (1 = one frame after the other, as a camera). */
  cameraConcurrency: number;
  /** dataset_dir (default the Debian package's folder): where the Fashion-MNIST files are. */
  datasetDir: string;
  /** cloud_wait_seconds (default 30): how long to wait for the big model service before streaming anyway. */
  cloudWaitSeconds: number;
  /** exit_when_done (default false): end the process after the summary instead of staying up as a service. */
  exitWhenDone: boolean;
}

function required(context: Context, name: string): string {
  const value = context.getParameters(name);
  if (value === undefined) throw new Error(`environment variable ${name} must be set: the folder for ${name.replace(/_/g, ' ')}`);
  return value;
}

function integer(context: Context, name: string, fallback: number, min: number, max: number): number {
  const value = context.getParameters(name, fallback);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`environment variable ${name} must be an integer in [${min}, ${max}], got ${value}`);
  return value;
}

export function readEdgeConfig(env: Env = process.env): EdgeConfig {
  const context = new Context(env);
  const total = FASHION_MNIST_SPLIT_SIZES.test;
  const cameraOffset = integer(context, 'camera_offset', 0, 0, total - 1);
  return {
    allExamplesOutput: required(context, 'all_examples_inference_output'),
    hardExampleEdgeOutput: required(context, 'hard_example_edge_inference_output'),
    hardExampleCloudOutput: required(context, 'hard_example_cloud_inference_output'),
    cameraOffset,
    cameraCount: integer(context, 'camera_count', total - cameraOffset, 1, total - cameraOffset),
    cameraConcurrency: integer(context, 'camera_concurrency', 1, 1, 256),
    datasetDir: context.getParameters('dataset_dir', FASHION_MNIST_DIR),
    cloudWaitSeconds: integer(context, 'cloud_wait_seconds', 30, 0, 3600),
    exitWhenDone: context.getParameters('exit_when_done', false),
  };
}
