/**
 * Applies one node's upstream messages one at a time, in arrival order, and skips the ids it has already
 * applied. A message resent after a reconnect (its ack was lost) is therefore acknowledged without being
 * applied twice, as long as this hub process lives; across GM restarts delivery is at least once (the handler
 * gets the id and the outbox epoch if it needs to be idempotent).
 */
export type UpstreamOutcome =
  | { kind: 'applied' }
  | { kind: 'duplicate' }
  | { kind: 'failed'; reason: string };

export class UpstreamSequencer {
  private epoch: string | undefined;
  private lastAppliedId = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;

  /** Switches to the ids of an outbox epoch; a new epoch (a fresh outbox on the LC) starts from zero. */
  useEpoch(epoch: string): void {
    if (epoch === this.epoch) return;
    this.epoch = epoch;
    this.lastAppliedId = 0;
  }

  /** Messages waiting or being applied. */
  get pending(): number {
    return this.queued;
  }

  /** Runs `apply` after every message submitted before it; never rejects. */
  submit(epoch: string, id: number, apply: () => Promise<void>): Promise<UpstreamOutcome> {
    this.queued++;
    const run = async (): Promise<UpstreamOutcome> => {
      const sameEpoch = epoch === this.epoch;
      if (sameEpoch && id <= this.lastAppliedId) return { kind: 'duplicate' };
      let outcome: UpstreamOutcome;
      try {
        await apply();
        outcome = { kind: 'applied' };
      } catch (err) {
        outcome = { kind: 'failed', reason: err instanceof Error ? err.message : String(err) };
      }
      // A failed message is consumed too: the LC drops it on the negative ack (no poison loop).
      if (sameEpoch && epoch === this.epoch) this.lastAppliedId = Math.max(this.lastAppliedId, id);
      return outcome;
    };
    const result = this.tail.then(run).finally(() => this.queued--);
    this.tail = result;
    return result;
  }

  /** Resolves once every submitted message has been applied or has failed. */
  async idle(): Promise<void> {
    while (this.queued > 0) await this.tail;
  }
}
