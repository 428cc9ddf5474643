import { describe, expect, it } from 'vitest';
import { lastLines } from './log-files.js';

describe('lastLines', () => {
  const text = Buffer.from('a\nb\nc\n');
  it('takes the last n lines, the final newline not counting as a line', () => {
    expect(lastLines(text, 2).toString()).toBe('b\nc\n');
    expect(lastLines(text, 5).toString()).toBe('a\nb\nc\n');
    expect(lastLines(text, 0).toString()).toBe('');
  });
  it('counts an unterminated last line', () => {
    expect(lastLines(Buffer.from('a\nb'), 1).toString()).toBe('b');
    expect(lastLines(Buffer.from(''), 3).toString()).toBe('');
  });
});
