/**
 * Reading an algorithm's `param` object (the method dict's parameters, values usually text from the CRD)
 * with errors that name the algorithm and the parameter.
 */
import { parseBoolean, parseBoundedNumber, type NumberBounds, type ParamValue } from '../common/parameters.js';

export type AlgorithmParams = Readonly<Record<string, ParamValue>>;

export class ParamReader {
  /**
   * `owner` names the algorithm in messages, e.g. `hard example mining "IBT"`. Keys outside `known` are
   * accepted, as the original accepted **kwargs (YAML written for Sedna must apply unchanged), but each
   * one raises a process warning so a misspelt parameter does not pass unnoticed.
   */
  constructor(
    private readonly owner: string,
    private readonly params: AlgorithmParams,
    known: readonly string[],
  ) {
    for (const key of Object.keys(params)) {
      if (!known.includes(key)) {
        process.emitWarning(`${owner}: ignoring unknown parameter "${key}" (known: ${known.join(', ') || 'none'})`, 'SednaParameterWarning');
      }
    }
  }

  number(key: string, fallback: number, bounds: NumberBounds = {}): number {
    const value = this.params[key];
    if (value === undefined || value === '') return fallback;
    return parseBoundedNumber(value, `${this.owner}: parameter "${key}"`, bounds);
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.params[key];
    if (value === undefined || value === '') return fallback;
    return parseBoolean(value, `${this.owner}: parameter "${key}"`);
  }
}
