import { describe, expect, it } from 'vitest';
import { datasetFormat, parseSamples } from './samples.js';

describe('parseSamples', () => {
  it('counts non-blank txt lines, whatever the line endings', () => {
    expect(parseSamples('a 1\r\nb 2\n\n  \nc 3', 'txt')).toEqual({ samples: ['a 1', 'b 2', 'c 3'] });
    expect(parseSamples('', 'txt')).toEqual({ samples: [] });
  });
  it('takes the first non-blank csv line as the header and drops a byte-order mark', () => {
    expect(parseSamples('\uFEFF\nx,y\n1,2\n\n3,4\n', 'csv')).toEqual({ header: 'x,y', samples: ['1,2', '3,4'] });
    expect(parseSamples('x,y\n', 'csv')).toEqual({ header: 'x,y', samples: [] });
    expect(parseSamples('\n', 'csv')).toEqual({ samples: [] });
  });
  it('accepts txt and csv in any case and names other formats', () => {
    expect([datasetFormat('TXT'), datasetFormat('Csv')]).toEqual(['txt', 'csv']);
    expect(() => datasetFormat('parquet')).toThrow('dataset format "parquet" is not supported; use txt or csv');
  });
});
