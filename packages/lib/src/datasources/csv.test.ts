import { describe, expect, it } from 'vitest';

import { MalformedLines } from './malformed.js';
import { csvFeatureTensor, parseCsvText, tokenizeCsv } from './csv.js';

describe('CSV tokenizer', () => {
  it('handles quotes, doubled quotes, embedded delimiters and line breaks, and CRLF', () => {
    const text = 'a,b\r\n"x, y","say ""hi"""\r\n"multi\nline",2\n\n3,4';
    const records = tokenizeCsv(text, 'f.csv', new MalformedLines());
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 3, fields: ['multi\nline', '2'] },
      { line: 6, fields: ['3', '4'] },
    ]);
  });

  it('reports an unterminated quote with its starting line', () => {
    expect(() => tokenizeCsv('a\n"open\nmore', 'f.csv', new MalformedLines())).toThrow('f.csv:2: unterminated quoted field');
  });
});

describe('CSV parser', () => {
  const text = 'age,income,label\n30,1000,1\n41,2000,0\n';

  it('takes the label column out of the features', () => {
    const source = parseCsvText([{ file: 'f.csv', text }], { dataType: 'train', label: 'label', labels: 'integer' });
    expect(source.columns).toEqual(['age', 'income']);
    expect(source.x).toEqual([
      { age: '30', income: '1000' },
      { age: '41', income: '2000' },
    ]);
    expect(source.y).toEqual([1, 0]);
    const tensor = csvFeatureTensor(source);
    expect(tensor.shape).toEqual([2, 2]);
    expect(Array.from(tensor.data)).toEqual([30, 1000, 41, 2000]);
  });

  it('errors when the label column is missing, naming it', () => {
    expect(() => parseCsvText([{ file: 'f.csv', text }], { dataType: 'train', label: 'target' })).toThrow(
      'f.csv:1: label column "target" is not in the header (age, income, label)',
    );
  });

  it('names file and line of a record with the wrong field count, or skips it', () => {
    const bad = 'a,b,label\n1,2,0\n1,2\n3,4,1\n';
    expect(() => parseCsvText([{ file: 'g.csv', text: bad }], { dataType: 'train', label: 'label' })).toThrow(
      'g.csv:3: expected 3 fields, found 2',
    );
    const source = parseCsvText([{ file: 'g.csv', text: bad }], { dataType: 'train', label: 'label', onMalformed: 'skip' });
    expect(source.y).toEqual(['0', '1']);
    expect(source.skipped).toEqual([{ file: 'g.csv', line: 3, reason: 'expected 3 fields, found 2' }]);
  });

  it('names the cell that is not a number', () => {
    const source = parseCsvText([{ file: 'h.csv', text: 'a,label\n1,0\nx,1\n' }], { dataType: 'train', label: 'label' });
    expect(() => csvFeatureTensor(source)).toThrow('h.csv:3: column "a": "x" is not a number');
  });
});
