/**
 * The serving model of an inference worker, replaceable while requests run. Each request leases the
 * current estimator for its whole duration; a swap only changes which estimator new requests lease.
 * The old one is disposed once its last lease ends, so a request in flight never loses its model and
 * no request ever sees one that is half loaded (the new estimator is fully loaded before the swap).
 */
import type { Estimator, Tensor } from '../core/estimator.js';

/** A lease of the serving estimator (acquire()): it stays alive until the lease is released. */
export interface ModelLease<E> {
  readonly estimator: E;
  /** The version that answers under this lease. */
  readonly version: string | undefined;
}

interface Slot<E> extends ModelLease<E> {
  readonly estimator: E;
  readonly version: string | undefined;
  leases: number;
  retired: boolean;
  disposed: boolean;
}

export class SwappableModel<E extends Estimator = Estimator> {
  private slot: Slot<E>;
  private swaps = 0;

  constructor(
    estimator: E,
    version?: string,
    /** Called when disposing a retired estimator fails (default: a console warning). */
    private readonly onDisposeError: (error: unknown) => void = (e) => console.warn(`disposing a replaced model failed: ${String(e)}`),
  ) {
    this.slot = { estimator, version, leases: 0, retired: false, disposed: false };
  }

  /** The estimator new requests get. */
  get estimator(): E {
    return this.slot.estimator;
  }

  /** The model_update_time of the serving model (undefined for the initial model when unknown). */
  get version(): string | undefined {
    return this.slot.version;
  }

  /** Swaps done so far. */
  get swapCount(): number {
    return this.swaps;
  }

  /**
   * Runs `work` on the current estimator, which stays alive until `work` settles. Not an async function: the lease
   * is released in the one `then` of `work`'s promise (a serving loop calls this for every request).
   */
  use<T>(work: (estimator: E) => Promise<T> | T): Promise<T> {
    const slot = this.slot;
    slot.leases++;
    let result: Promise<T> | T;
    try {
      result = work(slot.estimator);
    } catch (error) {
      this.release(slot);
      return Promise.reject(error);
    }
    if (!isThenable(result)) {
      this.release(slot);
      return Promise.resolve(result);
    }
    return Promise.resolve(result).then(
      (value) => {
        this.release(slot);
        return value;
      },
      (error: unknown) => {
        this.release(slot);
        throw error;
      },
    );
  }

  predict(x: Tensor): Promise<Tensor> {
    return this.use((estimator) => estimator.predict(x));
  }

  /** Makes a fully loaded estimator the serving one; the previous one is disposed when idle. */
  swap(estimator: E, version: string): void {
    if (estimator === this.slot.estimator) throw new Error('swap needs a fresh estimator, not the one already serving');
    const previous = this.slot;
    this.slot = { estimator, version, leases: 0, retired: false, disposed: false };
    this.swaps++;
    previous.retired = true;
    if (previous.leases === 0) this.dispose(previous);
  }

  /** Disposes the serving estimator (at shutdown), once its requests are done. */
  close(): void {
    this.slot.retired = true;
    if (this.slot.leases === 0) this.dispose(this.slot);
  }

  /**
   * Leases the serving estimator without a callback (use() is this around one function): it stays alive until
   * `release(lease)`, which must come once, whatever the work's outcome. For a caller that answers its work's
   * promise itself and would otherwise add a `then` per call.
   */
  acquire(): ModelLease<E> {
    const slot = this.slot;
    slot.leases++;
    return slot;
  }

  /** Ends a lease from acquire() (or use()): a retired estimator is disposed once its last lease has ended. */
  release(lease: ModelLease<E>): void {
    const slot = lease as Slot<E>;
    slot.leases--;
    if (slot.retired && slot.leases === 0) this.dispose(slot);
  }

  private dispose(slot: Slot<E>): void {
    if (slot.disposed) return;
    slot.disposed = true;
    try {
      slot.estimator.dispose?.();
    } catch (err) {
      this.onDisposeError(err);
    }
  }
}

function isThenable<T>(value: Promise<T> | T): value is Promise<T> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
