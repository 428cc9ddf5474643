/**
 * Reads one of the three YAML files. Broken YAML is reported with its line and column; the root key
 * (`benchmarkingjob`, `testenv`, `algorithm`) must be there, as Ianvs requires.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError } from './errors.js';

export type YamlMap = Record<string, unknown>;

export function readYamlRoot(file: string, rootKey: string): YamlMap {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, '', `cannot read the file: ${(err as Error).message}`);
  }
  return parseYamlRoot(text, file, rootKey);
}

export function parseYamlRoot(text: string, file: string, rootKey: string): YamlMap {
  const doc = parseDocument(text);
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    throw new ConfigError(file, '', `broken YAML: ${first.message.split('\n')[0]}`, pos ? { line: pos.line, col: pos.col } : undefined);
  }
  const value: unknown = doc.toJS();
  if (!isMap(value)) throw new ConfigError(file, rootKey, `the file must be a mapping with the root key "${rootKey}"`);
  const root = value[rootKey];
  if (root === undefined) throw new ConfigError(file, rootKey, `missing root key "${rootKey}" (found: ${Object.keys(value).join(', ') || 'nothing'})`);
  if (!isMap(root)) throw new ConfigError(file, rootKey, 'must be a mapping');
  return root;
}

export function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
