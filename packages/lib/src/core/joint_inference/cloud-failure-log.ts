/**
 * Log lines about cloud failures that stay readable when the cloud is down for a whole stream: the first failure
 * is logged at once, later ones at most once per interval as a count, and the recovery once.
 */
import type { LogLine } from './log.js';

export class CloudFailureLog {
  private failing = false;
  private unlogged = 0;
  private streak = 0;
  private lastLogAt = 0;
  private lastReason = '';

  constructor(
    private readonly log: LogLine,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  failure(reason: string): void {
    this.streak++;
    this.lastReason = reason;
    const time = this.now();
    if (!this.failing) {
      this.failing = true;
      this.lastLogAt = time;
      this.unlogged = 0;
      this.log(`cloud inference failed, answering with the edge result: ${reason}`);
      return;
    }
    this.unlogged++;
    if (time - this.lastLogAt >= this.intervalMs) this.flushCount(time);
  }

  success(): void {
    if (!this.failing) return;
    if (this.unlogged > 0) this.flushCount(this.now());
    this.log(`cloud inference works again after ${this.streak} failed call${this.streak === 1 ? '' : 's'}`);
    this.failing = false;
    this.streak = 0;
  }

  private flushCount(time: number): void {
    this.log(`cloud inference still failing: ${this.unlogged} more failed call${this.unlogged === 1 ? '' : 's'} (last: ${this.lastReason})`);
    this.unlogged = 0;
    this.lastLogAt = time;
  }
}
