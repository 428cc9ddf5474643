/**
 * Output buffers prepared between jobs, so that the next job of the same shape writes memory that is already
 * mapped. Touching fresh memory costs a page fault per 4 KiB, as much as the weighted sum itself on a bare
 * machine and many times more in a virtual machine that backs guest memory lazily, as the one the lib bench
 * was run on (its fedavg part shows it). Rounds of a federated job are seconds apart, so
 * the engine prepares the next round's output in that gap: on a worker thread when it has some, else on the
 * calling thread one slice per event-loop turn, so that a server keeps answering its sockets meanwhile.
 *
 * Buffers are never reused, only prepared: the caller owns every output it was given.
 */

/** Maps every page of a buffer (by writing one byte per 4 KiB); resolves when done. */
export type Prefault = (buffer: SharedArrayBuffer) => Promise<void>;

const PAGE_BYTES = 4096;
/** Bytes touched per event-loop turn on the calling thread: about a millisecond of work on mapped memory. */
const SLICE_BYTES = 1 << 20;

interface Spares {
  ready: SharedArrayBuffer[];
  preparing: number;
}

export class SpareOutputs {
  private readonly bySize = new Map<number, Spares>();
  private readonly background = new Set<Promise<void>>();
  private stopped = false;

  /** A prepared buffer of exactly `bytes` bytes, if one is ready. */
  take(bytes: number): SharedArrayBuffer | undefined {
    return this.bySize.get(bytes)?.ready.pop();
  }

  /** Prepares one buffer per layer of the job just done (sizes no longer used are forgotten). */
  prepare(layerLengths: readonly number[], prefault: Prefault): void {
    if (this.stopped) return;
    const wanted = new Map<number, number>();
    for (const length of layerLengths) if (length > 0) wanted.set(length * 4, (wanted.get(length * 4) ?? 0) + 1);
    for (const bytes of this.bySize.keys()) if (!wanted.has(bytes)) this.bySize.delete(bytes);
    for (const [bytes, count] of wanted) {
      let spares = this.bySize.get(bytes);
      if (spares === undefined) {
        spares = { ready: [], preparing: 0 };
        this.bySize.set(bytes, spares);
      }
      const entry = spares;
      for (let missing = count - entry.ready.length - entry.preparing; missing > 0; missing--) {
        const buffer = new SharedArrayBuffer(bytes);
        entry.preparing++;
        // A failed pre-fault only means the next job allocates fresh memory.
        const prepared = prefault(buffer).then(
          () => {
            entry.preparing--;
            if (!this.stopped && this.bySize.get(bytes) === entry) entry.ready.push(buffer);
          },
          () => {
            entry.preparing--;
          },
        );
        this.background.add(prepared);
        void prepared.finally(() => this.background.delete(prepared));
      }
    }
  }

  /** Resolves when every preparation started so far is done. */
  async settled(): Promise<void> {
    await Promise.all([...this.background]);
  }

  /** Stops preparing (a slice-by-slice preparation on this thread ends at its next slice) and drops the spares. */
  stop(): void {
    this.stopped = true;
    this.bySize.clear();
  }

  /** Prefaults on the calling thread, one slice per event-loop turn; gives up once stop() was called. */
  readonly prefaultHere: Prefault = async (buffer) => {
    const bytes = new Uint8Array(buffer);
    for (let start = 0; start < bytes.length && !this.stopped; start += SLICE_BYTES) {
      const end = Math.min(bytes.length, start + SLICE_BYTES);
      for (let offset = start; offset < end; offset += PAGE_BYTES) bytes[offset] = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (this.stopped) throw new Error('the weighted-sum engine was disposed');
  };
}
