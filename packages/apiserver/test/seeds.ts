/**
 * The original documentation's YAML samples, found in ../shared/reference/seeds (the docs as text), so that tests
 * apply exactly what a Sedna user would. A sample starts at an `apiVersion:` line and ends at `EOF`, at a prose
 * line, or at the next sample. Shell variables (`$EDGE_NODE`, `$IMAGE`, ...) are filled in: node variables with
 * node names the test creates first.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './harness.js';

export interface SeedSample {
  /** `file:line` where the sample starts. */
  source: string;
  text: string;
  object: Record<string, any>;
}

export const seedsDir = join(repoRoot, '..', 'shared', 'reference', 'seeds');

const YAML_LINE = /^( +\S|[A-Za-z_][\w.-]*:(\s|$)|-\s|---|#|\s*$)/;

function nodeNameFor(variable: string): string {
  return variable.toLowerCase().replace(/_/g, '-');
}

/** Fills shell variables: *_NODE become node names (returned so the test can create those nodes). */
export function fillVariables(text: string, nodes: Set<string>): string {
  return text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_m, name: string) => {
    if (/NODE$/.test(name)) {
      const node = nodeNameFor(name);
      nodes.add(node);
      return node;
    }
    if (/image/i.test(name)) return 'example.com/sedna/worker:v1';
    return `filled-${name.toLowerCase().replace(/_/g, '-')}`;
  });
}

export function extractSeedSamples(): { samples: SeedSample[]; nodes: string[] } {
  if (!existsSync(seedsDir)) throw new Error(`the original documentation is expected at ${seedsDir}`);
  const samples: SeedSample[] = [];
  const nodes = new Set<string>();
  for (const file of readdirSync(seedsDir).sort()) {
    const lines = readFileSync(join(seedsDir, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!/^apiVersion:\s*(sedna\.io\/v1alpha1|v1)\s*$/.test(lines[i]!)) continue;
      const start = i;
      const body: string[] = [lines[i]!];
      for (i = i + 1; i < lines.length; i++) {
        const line = lines[i]!;
        if (line.trim() === 'EOF' || line.startsWith('apiVersion:') || !YAML_LINE.test(line)) break;
        body.push(line);
      }
      i--;
      while (body.length > 0 && body[body.length - 1]!.trim() === '') body.pop();
      const text = fillVariables(body.join('\n'), nodes);
      const docs = parseAllDocuments(text);
      for (const doc of docs) {
        if (doc.errors.length > 0) continue;
        const object = doc.toJSON() as Record<string, any> | null;
        if (!object || typeof object !== 'object' || typeof object['kind'] !== 'string') continue;
        samples.push({ source: `${file}:${start + 1}`, text: doc.toString(), object });
      }
    }
  }
  return { samples, nodes: [...nodes].sort() };
}

/** True when every field of `expected` is in `actual` with the same value (the server may add fields). */
export function isSubset(expected: unknown, actual: unknown, path = ''): string | undefined {
  if (expected === null || typeof expected !== 'object') {
    return expected === actual || (typeof expected === 'number' && Number(actual) === expected) ? undefined : `${path || '<root>'}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return `${path}: expected a list of ${expected.length}, got ${JSON.stringify(actual)}`;
    for (let i = 0; i < expected.length; i++) {
      const why = isSubset(expected[i], actual[i], `${path}[${i}]`);
      if (why) return why;
    }
    return undefined;
  }
  if (actual === null || typeof actual !== 'object') return `${path}: expected an object, got ${JSON.stringify(actual)}`;
  for (const [k, v] of Object.entries(expected)) {
    if (v === null) continue;
    const why = isSubset(v, (actual as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    if (why) return why;
  }
  return undefined;
}
