/**
 * Parameters of the lifelong algorithms. The original passed Python lists (`{"attribute": ["season", "city"]}`) next
 * to scalars, and its YAML passed text (`attribute: "real, sim"`); both forms are read here, plus a JSON list in text.
 */
import type { NumberBounds, ParamValue } from '../../common/parameters.js';
import { ParamReader } from '../params.js';

/** A lifelong algorithm's `param`: scalars as elsewhere, plus lists of names. */
export type LifelongParams = Readonly<Record<string, ParamValue | readonly string[]>>;

export class LifelongParamReader {
  private readonly scalars: ParamReader;

  constructor(
    private readonly owner: string,
    private readonly params: LifelongParams,
    known: readonly string[],
  ) {
    if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new Error(`${owner}: param must be an object`);
    const scalarParams: Record<string, ParamValue> = {};
    for (const [key, value] of Object.entries(params)) if (!Array.isArray(value)) scalarParams[key] = value as ParamValue;
    // ParamReader warns about unknown keys; list-valued keys are checked here the same way.
    this.scalars = new ParamReader(owner, scalarParams, known);
    for (const [key, value] of Object.entries(params)) {
      if (Array.isArray(value) && !known.includes(key)) {
        process.emitWarning(`${owner}: ignoring unknown parameter "${key}" (known: ${known.join(', ') || 'none'})`, 'SednaParameterWarning');
      }
    }
  }

  number(key: string, fallback: number, bounds: NumberBounds = {}): number {
    this.rejectList(key);
    return this.scalars.number(key, fallback, bounds);
  }

  boolean(key: string, fallback: boolean): boolean {
    this.rejectList(key);
    return this.scalars.boolean(key, fallback);
  }

  text(key: string, fallback: string): string {
    const value = this.params[key];
    if (value === undefined || value === '') return fallback;
    if (Array.isArray(value)) throw new Error(`${this.owner}: parameter "${key}" must be a single value, got a list`);
    return String(value).trim();
  }

  /** A list of names: an array, a JSON list in text, or comma-separated text. Empty entries are dropped. */
  list(key: string, fallback: readonly string[] = []): string[] {
    const value = this.params[key];
    if (value === undefined || value === '') return [...fallback];
    return parseNameList(value, `${this.owner}: parameter "${key}"`);
  }

  /** Like `list`, but at least one name is required. */
  requiredList(key: string): string[] {
    const names = this.list(key);
    if (names.length === 0) throw new Error(`${this.owner}: parameter "${key}" is required (one or more names)`);
    return names;
  }

  private rejectList(key: string): void {
    if (Array.isArray(this.params[key])) throw new Error(`${this.owner}: parameter "${key}" must be a single value, got a list`);
  }
}

export function parseNameList(value: ParamValue | readonly string[], source: string): string[] {
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      items = JSON.parse(value) as unknown[];
    } catch (error) {
      throw new Error(`${source}: invalid JSON list: ${(error as Error).message}`, { cause: error });
    }
    if (!Array.isArray(items)) throw new Error(`${source}: expected a JSON list`);
  } else items = String(value).split(',');
  return items.map((item, index) => {
    if (typeof item !== 'string' && typeof item !== 'number') throw new Error(`${source}: entry ${index} must be a name, got ${JSON.stringify(item)}`);
    return String(item).trim();
  }).filter((name) => name !== '');
}
