/** Property tests of the defensive parsers every entry point uses (fast-check, seeded and bounded). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedRequest } from './malformed.js';
import { decodeComponent, parseRequestUrl } from './request-url.js';
import { DEFAULT_MAX_DEPTH, jsonDepth, parseJsonBounded, parseYamlBounded, valueDepth, yamlDepthBound } from './nesting.js';

const runs = { numRuns: 500, seed: 20261205, interruptAfterTimeLimit: 20_000 };
const onlyMalformed = (f: () => unknown): void => {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedRequest);
    expect((error as MalformedRequest).status).toBeGreaterThanOrEqual(400);
    expect((error as MalformedRequest).status).toBeLessThan(500);
  }
};

describe('request targets', () => {
  it('parses any string or refuses it with a 4xx, and never changes the origin', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('//[', '//evil.invalid/x', '/%', 'http://x/', '*', '/\ud800')), (target) => {
        onlyMalformed(() => {
          const url = parseRequestUrl(target);
          expect(url.origin).toBe('http://request.invalid');
        });
      }),
      runs,
    );
    expect(parseRequestUrl('//[').pathname).toBe('//[');
    expect(() => parseRequestUrl('*')).toThrow(MalformedRequest);
  });

  it('decodes percent-encoding or refuses it with a reason naming what was decoded', () => {
    fc.assert(fc.property(fc.string(), (s) => onlyMalformed(() => decodeComponent(s, 'x'))), runs);
    expect(() => decodeComponent('%zz', 'the worker name')).toThrow(/the worker name is not valid percent-encoding/);
  });
});

describe('JSON and YAML with limits', () => {
  it('measures the depth of any JSON text as the parsed value has it', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        expect(jsonDepth(JSON.stringify(value))).toBe(valueDepth(value));
      }),
      runs,
    );
  });

  it('refuses deep JSON before parsing it, and random text with a 4xx only', () => {
    fc.assert(fc.property(fc.integer({ min: DEFAULT_MAX_DEPTH + 1, max: 20_000 }), (depth) => void expect(() => parseJsonBounded('['.repeat(depth) + ']'.repeat(depth))).toThrow(/nested \d+ levels deep/)), { ...runs, numRuns: 50 });
    fc.assert(fc.property(fc.string(), (text) => onlyMalformed(() => parseJsonBounded(text))), runs);
  });

  it('refuses deep YAML (flow, block, sequences) and alias bombs with a 4xx, never running out of memory', () => {
    const deep = 10_000;
    expect(() => parseYamlBounded('['.repeat(deep) + ']'.repeat(deep))).toThrow(MalformedRequest);
    expect(() => parseYamlBounded('- '.repeat(deep) + 'x')).toThrow(MalformedRequest);
    expect(() => parseYamlBounded(Array.from({ length: 500 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1')).toThrow(MalformedRequest);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 20 }, (_, i) => `b${i}: &a${i + 1} [${Array(9).fill(i === 0 ? '*a' : `*a${i}`).join(', ')}]`)].join('\n');
    expect(() => parseYamlBounded(bomb)).toThrow(MalformedRequest);
    fc.assert(fc.property(fc.string(), (text) => onlyMalformed(() => parseYamlBounded(text))), runs);
  });

  it('keeps ordinary objects: the bound is never below the real depth', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value);
        expect(yamlDepthBound(text)).toBeGreaterThanOrEqual(valueDepth(value) === 0 ? 0 : 1);
        expect(parseYamlBounded(text)).toEqual(JSON.parse(text));
      }),
      runs,
    );
  });
});
