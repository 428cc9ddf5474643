import type { RandomSource } from '../../common/random.js';
import { ParamReader, type AlgorithmParams } from '../params.js';
import { checkUniqueIds, sampleWithoutReplacement } from './sampling.js';
import type { ClientChooseOptions } from './simple.js';
import type { ClientChoose } from './types.js';

/**
 * Flower's client sampling: with n clients connected, a round takes max(⌊n·fraction_fit⌋, min_fit_clients)
 * of them at random, and needs at least min_available_clients connected. When fewer clients are available
 * than it would take, it takes none (Flower logs "Sampling failed" and returns an empty list).
 * Parameters and Flower's defaults: `fraction_fit` 1.0, `min_fit_clients` 2, `min_available_clients` 2.
 */
export class FractionClientChoose implements ClientChoose {
  readonly name = 'FractionClientChoose';
  readonly fractionFit: number;
  readonly minFitClients: number;
  readonly minAvailableClients: number;
  private readonly random: RandomSource;

  constructor(param: AlgorithmParams = {}, options: ClientChooseOptions = {}) {
    const read = new ParamReader('client choose "FractionClientChoose"', param, ['fraction_fit', 'min_fit_clients', 'min_available_clients']);
    this.fractionFit = read.number('fraction_fit', 1.0, { min: 0, max: 1 });
    this.minFitClients = read.number('min_fit_clients', 2, { min: 0, integer: true });
    this.minAvailableClients = read.number('min_available_clients', 2, { min: 0, integer: true });
    if (this.minFitClients > this.minAvailableClients) {
      // Flower warns about this too: rounds would wait for clients they can never get.
      process.emitWarning(
        `client choose "FractionClientChoose": min_fit_clients (${this.minFitClients}) exceeds min_available_clients (${this.minAvailableClients})`,
        'SednaParameterWarning',
      );
    }
    this.random = options.random ?? Math.random;
  }

  get minAvailable(): number {
    return this.minAvailableClients;
  }

  /** Clients a round takes when `available` are connected (Flower's num_fit_clients). */
  sampleSize(available: number): number {
    return Math.max(Math.floor(available * this.fractionFit), this.minFitClients);
  }

  choose(available: readonly string[]): string[] {
    checkUniqueIds(available, this.name);
    if (available.length < this.minAvailableClients) return [];
    const size = this.sampleSize(available.length);
    if (size > available.length) return [];
    return sampleWithoutReplacement(available, size, this.random);
  }
}
