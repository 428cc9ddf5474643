/**
 * The round the aggregator is collecting updates for. Each worker has at most one answer per round: its latest
 * update, or the reason its update was refused. The round can end when every participant has answered and enough
 * updates are usable, or, once its timeout has passed, as soon as enough are usable.
 */
import type { Tensor, WeightTensor } from '../../estimator.js';
import type { ClientMetrics } from '../protocol.js';

export interface AcceptedUpdate {
  readonly id: string;
  readonly numSamples: number;
  readonly weights: readonly WeightTensor[];
  readonly metrics: ClientMetrics | undefined;
  /** Whether the tensors carry the worker's own names (binary) or positional ones (the original's JSON). */
  readonly named: boolean;
  /** MistNet: the worker's noised features and their labels (its `weights` are then empty). */
  readonly features?: { readonly x: Tensor; readonly y: Int32Array };
}

export type Answer = { readonly kind: 'accepted'; readonly update: AcceptedUpdate } | { readonly kind: 'rejected'; readonly reason: string };

export type CloseReason = 'participants' | 'timeout';

/** Where accepted weights are kept until the round is aggregated (arena-placement.ts); none: where they arrived. */
export interface UpdatePlacement {
  /** The weights, moved to where the aggregation reads them best. */
  place(weights: readonly WeightTensor[]): WeightTensor[];
  /** Gives back what `place` took for these weights. */
  release(weights: readonly WeightTensor[]): void;
}

export class OpenRound {
  private readonly answers = new Map<string, Answer>();
  /** When the first answer came (performance.now()); the round timeout counts from there. */
  firstAnswerAt: number | undefined;
  bytesReceived = 0;
  timedOut = false;
  /** With client choice: the workers chosen for this round (undefined: not chosen yet, or no client choice). */
  selected: ReadonlySet<string> | undefined;

  /** Placed weights not yet released, by worker. */
  private readonly placed = new Map<string, readonly WeightTensor[]>();

  /** `number` is the round being collected: rounds completed + 1. */
  constructor(
    readonly number: number,
    private readonly placement?: UpdatePlacement,
  ) {}

  /** Records a worker's answer, replacing an earlier one of the same worker (whose placed weights are released). */
  answer(id: string, answer: Answer, bytes: number): void {
    this.firstAnswerAt ??= performance.now();
    this.bytesReceived += bytes;
    this.releaseOf(id);
    if (answer.kind === 'accepted' && this.placement !== undefined && answer.update.weights.length > 0) {
      const weights = this.placement.place(answer.update.weights);
      this.placed.set(id, weights);
      this.answers.set(id, { kind: 'accepted', update: { ...answer.update, weights } });
      return;
    }
    this.answers.set(id, answer);
  }

  /**
   * Gives back the memory of every placed update, once the round has been aggregated (or abandoned). The accepted
   * updates must not be read afterwards: their weights' memory is reused.
   */
  releaseInputs(): void {
    for (const id of [...this.placed.keys()]) {
      this.releaseOf(id);
      // Whoever still asks for this update gets no weights rather than memory that is someone else's now.
      const answer = this.answers.get(id);
      if (answer?.kind === 'accepted') this.answers.set(id, { kind: 'accepted', update: { ...answer.update, weights: [] } });
    }
  }

  private releaseOf(id: string): void {
    const weights = this.placed.get(id);
    if (weights === undefined) return;
    this.placed.delete(id);
    this.placement!.release(weights);
  }

  hasAccepted(id: string): boolean {
    return this.answers.get(id)?.kind === 'accepted';
  }

  get answered(): number {
    return this.answers.size;
  }

  /** Usable updates in arrival order of their workers' first answer. */
  accepted(): AcceptedUpdate[] {
    const updates: AcceptedUpdate[] = [];
    for (const answer of this.answers.values()) if (answer.kind === 'accepted') updates.push(answer.update);
    return updates;
  }

  rejected(): { id: string; reason: string }[] {
    const rejections: { id: string; reason: string }[] = [];
    for (const [id, answer] of this.answers) if (answer.kind === 'rejected') rejections.push({ id, reason: answer.reason });
    return rejections;
  }

  /** Turns an accepted update into a rejection (the aggregator found it unusable when the round closed). */
  rejectLate(id: string, reason: string): void {
    if (this.answers.has(id)) this.answers.set(id, { kind: 'rejected', reason });
  }

  /**
   * Why the round can end now, or undefined: every one of `participants` answered with at least `minUsable`
   * usable updates, or the timeout passed with at least `minUsable`.
   */
  closeReason(participants: number, minUsable: number): CloseReason | undefined {
    const usable = this.accepted().length;
    if (usable === 0 || usable < minUsable) return undefined;
    if (this.answers.size >= participants) return 'participants';
    return this.timedOut ? 'timeout' : undefined;
  }
}
