import { describe, expect, it } from 'vitest';
import { SampleLedger } from './sample-ledger.js';
import { sampleLineCheck } from './sample-lines.js';

const txt = sampleLineCheck('txt');
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `img/${from + i}.png ${(from + i) % 10}`);

describe('SampleLedger', () => {
  it('splits a batch by trainProb: the first share trains, the rest evaluates', () => {
    const ledger = new SampleLedger();
    expect(ledger.ingest(lines(0, 10), 0.8, txt)).toEqual({ train: 8, eval: 2, malformed: [] });
    expect(ledger.state.pendingTrain).toEqual(lines(0, 8));
    expect(ledger.state.openEval).toEqual(lines(8, 10));
  });

  it('gives the same proportion whether lines come in one batch or one at a time', () => {
    const ledger = new SampleLedger();
    const all = lines(0, 20);
    for (let n = 1; n <= all.length; n++) ledger.ingest(all.slice(0, n), 0.8, txt);
    expect(ledger.pendingTrainCount).toBe(16);
    expect(ledger.state.openEval).toHaveLength(4);
    expect(ledger.state.consumedLines).toBe(20);
  });

  it('skips malformed lines, counts them and says where they are', () => {
    const ledger = new SampleLedger();
    const result = ledger.ingest(['a.png 1', 'b.png', 'c.png 2 extra', 'd.png 3'], 1, txt);
    expect(result.train).toBe(2);
    expect(result.malformed).toEqual([
      { sample: 2, line: 'b.png', problem: 'has no label (expected "path label")' },
      { sample: 3, line: 'c.png 2 extra', problem: 'has 3 columns (expected "path label")' },
    ]);
    expect(ledger.state.malformed).toBe(2);
    expect(ledger.state.consumedLines).toBe(4);
  });

  it('takes train samples for a round and keeps counting after', () => {
    const ledger = new SampleLedger();
    ledger.ingest(lines(0, 5), 1, txt);
    expect(ledger.takeTrain()).toEqual(lines(0, 5));
    expect(ledger.pendingTrainCount).toBe(0);
    ledger.ingest(lines(0, 7), 1, txt);
    expect(ledger.state.pendingTrain).toEqual(lines(5, 7));
  });

  it('keeps the eval data of the last five rounds, each sample once', () => {
    const ledger = new SampleLedger();
    let seen = 0;
    const rounds: string[][] = [];
    for (let round = 1; round <= 7; round++) {
      seen += 3;
      ledger.ingest(lines(0, seen), 0, txt); // all eval
      expect(ledger.evalCount).toBe(Math.min(round, 5) * 3);
      rounds.push(ledger.closeEvalVersion());
    }
    expect(rounds[0]).toEqual(lines(0, 3));
    expect(rounds[6]).toEqual(lines(6, 21)); // rounds 3..7
    expect(ledger.state.evalVersions).toHaveLength(5);
    // a round without new eval samples does not push out an older version
    expect(ledger.closeEvalVersion()).toEqual(lines(6, 21));
  });

  it('notices a dataset that shrank and follows it from its new size', () => {
    const ledger = new SampleLedger();
    ledger.ingest(lines(0, 6), 1, txt);
    expect(ledger.ingest(lines(0, 2), 1, txt).shrunk).toEqual({ from: 6, to: 2 });
    expect(ledger.ingest(lines(0, 3), 1, txt).train).toBe(1);
  });
});

describe('sample line checks', () => {
  it('wants csv rows as wide as the header, quotes allowed', () => {
    const check = sampleLineCheck('csv', 'x,y,label');
    expect(check('1,2,a', 0)).toBeUndefined();
    expect(check('"1,5",2,a', 0)).toBeUndefined();
    expect(check('1,2', 0)).toBe('has 2 fields, the header has 3');
    expect(check('"1,2,a', 0)).toBe('has an unterminated quoted field');
  });
});
