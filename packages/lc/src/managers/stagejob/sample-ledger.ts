/**
 * Which dataset samples went where: the incremental and lifelong learning managers' accounting of a dataset that grows.
 *
 * New sample lines (those past `consumedLines`) are checked, then split by `trainProb`: the first share of each
 * batch goes to the next round's train data, the rest to the open eval version. The split is cumulative over all
 * valid samples so far (train gets floor(trainProb * seen) in total), so it does not depend on how the lines
 * arrived: the original split each 10 s batch on its own, which with event-driven reading of small batches (one
 * line at a time) would have sent every sample to eval.
 *
 * Eval versions: the eval samples gathered during one round form one version; when the eval stage starts, the
 * open version is closed and the eval data is the union of the last EVAL_VERSION_CAPACITY (5, the original's
 * capacity) versions. The original cut versions per 10 s poll and rebuilt its eval list by appending all
 * versions again on each poll, so samples were repeated; here each sample is in the eval data once.
 *
 * Train samples are taken (and forgotten) when a round starts, as in the original: each round trains on what
 * arrived since the last one, starting from the last trained model.
 */

export const EVAL_VERSION_CAPACITY = 5;

/** The persisted accounting. Plain JSON. */
export interface LedgerState {
  /** Lines of the dataset already looked at (valid or not). */
  consumedLines: number;
  /** Valid samples seen so far. */
  validSeen: number;
  /** Of those, how many went to train (cumulative). */
  trainTaken: number;
  /** Train samples waiting for the next round. */
  pendingTrain: string[];
  /** Eval samples of the current round (the open version). */
  openEval: string[];
  /** Closed eval versions, oldest first, at most EVAL_VERSION_CAPACITY. */
  evalVersions: string[][];
  /** Malformed lines skipped so far. */
  malformed: number;
}

export function emptyLedger(): LedgerState {
  return { consumedLines: 0, validSeen: 0, trainTaken: 0, pendingTrain: [], openEval: [], evalVersions: [], malformed: 0 };
}

/** Why a line is not a sample, or undefined when it is one. `position` is 0-based among the dataset's sample lines. */
export type LineCheck = (line: string, position: number) => string | undefined;

export interface MalformedLine {
  /** 1-based position among the dataset's sample lines (blank lines are not counted). */
  sample: number;
  line: string;
  problem: string;
}

export interface IngestResult {
  train: number;
  eval: number;
  malformed: MalformedLine[];
  /** The dataset has fewer lines than already consumed: it was replaced or truncated. */
  shrunk?: { from: number; to: number };
}

export class SampleLedger {
  constructor(readonly state: LedgerState = emptyLedger()) {}

  /** Accounts the lines past the ones consumed; returns what changed. */
  ingest(samples: readonly string[], trainProb: number, check: LineCheck): IngestResult {
    const s = this.state;
    const result: IngestResult = { train: 0, eval: 0, malformed: [] };
    if (samples.length < s.consumedLines) {
      // We cannot tell which lines are new in a rewritten file: take it as it is now and follow its growth.
      result.shrunk = { from: s.consumedLines, to: samples.length };
      s.consumedLines = samples.length;
      return result;
    }
    const probability = Math.min(1, Math.max(0, trainProb));
    const valid: string[] = [];
    for (let position = s.consumedLines; position < samples.length; position++) {
      const line = samples[position] as string;
      const problem = check(line, position);
      if (problem === undefined) valid.push(line);
      else {
        s.malformed++;
        result.malformed.push({ sample: position + 1, line, problem });
      }
    }
    // Train's cumulative share stays floor(p * seen); the batch's first lines make up what train lacks.
    s.validSeen += valid.length;
    const trainTarget = Math.floor(probability * s.validSeen + 1e-9);
    const trainNum = Math.min(valid.length, Math.max(0, trainTarget - s.trainTaken));
    s.trainTaken += trainNum;
    s.pendingTrain.push(...valid.slice(0, trainNum));
    s.openEval.push(...valid.slice(trainNum));
    result.train = trainNum;
    result.eval = valid.length - trainNum;
    s.consumedLines = samples.length;
    return result;
  }

  /** Train samples waiting for a round (the train trigger's `num_of_samples`). */
  get pendingTrainCount(): number {
    return this.state.pendingTrain.length;
  }

  /** Hands the waiting train samples to a round and forgets them. */
  takeTrain(): string[] {
    const taken = this.state.pendingTrain;
    this.state.pendingTrain = [];
    return taken;
  }

  /** Closes the open eval version (if it has samples) and returns the eval data: the last versions, oldest first. */
  closeEvalVersion(capacity = EVAL_VERSION_CAPACITY): string[] {
    const s = this.state;
    if (s.openEval.length > 0) s.evalVersions.push(s.openEval);
    s.openEval = [];
    while (s.evalVersions.length > capacity) s.evalVersions.shift();
    return s.evalVersions.flat();
  }

  /** Eval samples the next eval would use if it started now. */
  get evalCount(): number {
    const s = this.state;
    const versions = [...s.evalVersions, ...(s.openEval.length > 0 ? [s.openEval] : [])].slice(-EVAL_VERSION_CAPACITY);
    return versions.reduce((n, v) => n + v.length, 0);
  }
}

/** Checks a loaded ledger state; throws naming the bad field. */
export function checkLedgerState(value: unknown, where: string): LedgerState {
  const fail = (field: string, expected: string): never => {
    throw new Error(`${where}: ledger.${field} must be ${expected}`);
  };
  if (value === null || typeof value !== 'object') fail('', 'an object');
  const v = value as Record<string, unknown>;
  for (const field of ['consumedLines', 'validSeen', 'trainTaken', 'malformed'] as const) {
    if (!Number.isInteger(v[field]) || (v[field] as number) < 0) fail(field, 'a non-negative integer');
  }
  const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((line) => typeof line === 'string');
  if (!strings(v.pendingTrain)) fail('pendingTrain', 'a list of strings');
  if (!strings(v.openEval)) fail('openEval', 'a list of strings');
  if (!Array.isArray(v.evalVersions) || !v.evalVersions.every(strings)) fail('evalVersions', 'a list of lists of strings');
  return v as unknown as LedgerState;
}
