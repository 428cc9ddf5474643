/**
 * What the edge worker writes, one JSON line per image, into the three folders of the original example:
 *   <all_examples_inference_output>/all_examples.jsonl             every image's final answer
 *   <hard_example_edge_inference_output>/hard_examples_edge.jsonl   the little model's answers to hard examples
 *   <hard_example_cloud_inference_output>/hard_examples_cloud.jsonl the big model's answers to hard examples
 * and <all_examples_inference_output>/summary.json when the stream ends.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EdgeConfig } from './edge-config.js';
import type { JointInferenceOutcome, Tensor } from './sedna-lib.js';

export const ALL_EXAMPLES_FILE = 'all_examples.jsonl';
export const HARD_EDGE_FILE = 'hard_examples_edge.jsonl';
export const HARD_CLOUD_FILE = 'hard_examples_cloud.jsonl';
export const SUMMARY_FILE = 'summary.json';

export interface StreamSummary {
  /** Images streamed. */
  count: number;
  /** First test image. */
  offset: number;
  /** Share of images whose final answer is the label. */
  jointAccuracy: number;
  /** Share of images the little model got right, when it ran on every image (inference-then-mining), else null. */
  edgeAccuracy: number | null;
  hardExamples: number;
  /** hardExamples / count: the share of images sent to the cloud. */
  uploadRatio: number;
  cloudAnswers: number;
  cloudFailures: number;
  seconds: number;
  /** Images per second over the whole stream. */
  throughput: number;
  miningMode: string;
  hardExampleMining: string | null;
  cloudEndpoint: string;
  concurrency: number;
  startedAt: string;
  finishedAt: string;
}

export function summaryPath(config: Pick<EdgeConfig, 'allExamplesOutput'>): string {
  return join(config.allExamplesOutput, SUMMARY_FILE);
}

export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if ((row[j] as number) > (row[best] as number)) best = j;
  return best;
}

function answer(result: Tensor): { prediction: number; probabilities: number[] } {
  const probabilities = Array.from(result.data, (p) => Math.round(p * 1e4) / 1e4);
  return { prediction: argmax(result.data), probabilities };
}

export class EdgeOutputs {
  private constructor(
    private readonly all: WriteStream,
    private readonly hardEdge: WriteStream,
    private readonly hardCloud: WriteStream,
    private readonly summaryFile: string,
  ) {}

  /** Creates the folders, starts the files afresh and removes a summary of an earlier run. */
  static async open(config: EdgeConfig): Promise<EdgeOutputs> {
    for (const dir of [config.allExamplesOutput, config.hardExampleEdgeOutput, config.hardExampleCloudOutput]) await mkdir(dir, { recursive: true });
    const summaryFile = summaryPath(config);
    await rm(summaryFile, { force: true });
    const open = (file: string): WriteStream => createWriteStream(file, { flags: 'w' });
    return new EdgeOutputs(
      open(join(config.allExamplesOutput, ALL_EXAMPLES_FILE)),
      open(join(config.hardExampleEdgeOutput, HARD_EDGE_FILE)),
      open(join(config.hardExampleCloudOutput, HARD_CLOUD_FILE)),
      summaryFile,
    );
  }

  record(index: number, label: number, outcome: JointInferenceOutcome): void {
    const final = answer(outcome.result);
    this.all.write(`${JSON.stringify({ index, label, prediction: final.prediction, hardExample: outcome.isHardExample, answeredBy: outcome.answeredBy })}\n`);
    if (!outcome.isHardExample) return;
    if (outcome.edgeResult !== null) this.hardEdge.write(`${JSON.stringify({ index, label, ...answer(outcome.edgeResult) })}\n`);
    if (outcome.cloudResult !== null) this.hardCloud.write(`${JSON.stringify({ index, label, ...answer(outcome.cloudResult) })}\n`);
  }

  /** Closes the three files, then writes summary.json (through a rename, so readers never see half of it). */
  async finish(summary: StreamSummary): Promise<string> {
    await Promise.all([this.all, this.hardEdge, this.hardCloud].map((stream) => new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())))));
    const partial = `${this.summaryFile}.partial`;
    await writeFile(partial, `${JSON.stringify(summary, null, 2)}\n`);
    await rename(partial, this.summaryFile);
    return this.summaryFile;
  }
}
