import { describe, expect, it, vi } from 'vitest';
import { ClassFactory, ClassType } from '../../common/class-factory.js';
import { Context } from '../../common/config.js';
import { seededRandom } from '../../common/random.js';
import {
  CloudOnlyFilter,
  CrossEntropyFilter,
  EdgeOnlyFilter,
  IBTFilter,
  RandomFilter,
  ThresholdFilter,
  createHardExampleMining,
  registerHardExampleMining,
} from './index.js';

const box = (score: number): number[] => [0, 0, 10, 10, score, 1];

describe('Threshold', () => {
  it('is hard when the mean score is strictly below the threshold', () => {
    const filter = new ThresholdFilter({ threshold: '0.5' });
    expect(filter.isHard([box(0.3), box(0.6)])).toBe(true); // mean 0.45
    expect(filter.isHard([box(0.4), box(0.6)])).toBe(false); // mean 0.5, not below
    expect(filter.isHard([box(0.9)])).toBe(false);
  });

  it('defaults to 0.5 and accepts typed arrays', () => {
    expect(new ThresholdFilter().threshold).toBe(0.5);
    expect(new ThresholdFilter({ threshold: 0.9 }).isHard([Float32Array.of(0, 0, 1, 1, 0.8)])).toBe(true);
  });

  it('is not hard for no boxes or a box without a score', () => {
    const filter = new ThresholdFilter({ threshold: '0.9' });
    expect(filter.isHard([])).toBe(false);
    expect(filter.isHard([box(0.1), [0, 0, 1, 1]])).toBe(false);
  });

  it('names a bad parameter and rejects non-list input', () => {
    expect(() => new ThresholdFilter({ threshold: 'high' })).toThrow(/"Threshold": parameter "threshold": expected a finite number/);
    expect(() => new ThresholdFilter({ threshold: '1.5' })).toThrow(/parameter "threshold": must be in \[0, 1\]/);
    expect(() => new ThresholdFilter().isHard(42 as unknown as number[][])).toThrow(TypeError);
  });
});

describe('IBT', () => {
  it("matches the seed's example (0.9 / 0.9)", () => {
    const filter = new IBTFilter({ threshold_img: '0.9', threshold_box: '0.9' });
    expect(filter.isHard([box(0.95), box(0.85), box(0.99)])).toBe(true); // 1/3 >= 0.1
    expect(filter.isHard([box(0.95), box(0.99)])).toBe(false); // 0 >= 0.1 is false
  });

  it('counts scores equal to threshold_box as low, and a share equal to 1 - threshold_img as hard', () => {
    const filter = new IBTFilter(); // 0.5 / 0.5
    expect(filter.isHard([box(0.5), box(0.7)])).toBe(true); // 1/2 >= 0.5
    expect(filter.isHard([box(0.51), box(0.7)])).toBe(false);
    expect(new IBTFilter({ threshold_img: '0' }).isHard([box(0.1), box(0.2), box(0.9)])).toBe(false); // 2/3 < 1
    expect(new IBTFilter({ threshold_img: '1' }).isHard([box(0.9)])).toBe(true); // 0 >= 0
  });

  it('is not hard for empty input, a short box, or a score outside [0, 1]', () => {
    const filter = new IBTFilter({ threshold_img: '0.9', threshold_box: '0.9' });
    expect(filter.isHard([])).toBe(false);
    expect(filter.isHard([[1, 2, 3, 4]])).toBe(false);
    expect(filter.isHard([box(0.1), box(1.2)])).toBe(false);
    expect(filter.isHard([box(Number.NaN)])).toBe(false);
  });

  it('names the invalid parameter', () => {
    expect(() => new IBTFilter({ threshold_box: '-0.1' })).toThrow(/"IBT": parameter "threshold_box"/);
  });
});

describe('CrossEntropy', () => {
  const filter = new CrossEntropyFilter({ threshold_cross_entropy: '0.5' });

  it('computes 1 - normalized entropy (hand-computed values)', () => {
    expect(filter.confidence([0.5, 0.5])).toBeCloseTo(0, 12);
    // 1 + (0.9 ln 0.9 + 0.1 ln 0.1) / ln 2
    expect(filter.confidence([0.9, 0.1])).toBeCloseTo(0.5310044, 6);
    // 1 + (0.7 ln 0.7 + 0.2 ln 0.2 + 0.1 ln 0.1) / ln 3
    expect(filter.confidence([0.7, 0.2, 0.1])).toBeCloseTo(0.2701533, 6);
    expect(filter.confidence([0.98, 0.01, 0.01])).toBeCloseTo(0.8980, 3);
  });

  it('is hard when the confidence is below the threshold', () => {
    expect(filter.isHard([0.5, 0.5])).toBe(true);
    expect(filter.isHard([0.9, 0.1])).toBe(false);
    expect(filter.isHard(Float32Array.of(0.7, 0.2, 0.1))).toBe(true);
  });

  it('handles p = 0 and a single class (the original crashed on both)', () => {
    expect(filter.confidence([1, 0, 0])).toBe(1);
    expect(filter.confidence([0.5, 0.5, 0])).toBeCloseTo(1 - Math.log(2) / Math.log(3), 12);
    expect(filter.confidence([1])).toBe(1);
    expect(filter.isHard([1])).toBe(false);
    expect(new CrossEntropyFilter({ threshold_cross_entropy: 1 }).isHard([0.7])).toBe(false); // 1 < 1 is false
  });

  it('rejects the whole sample when a probability is outside [0, 1], and empty input', () => {
    expect(filter.isHard([0.5, 0.5, 1.5])).toBe(false);
    expect(filter.isHard([0.5, -0.1])).toBe(false);
    expect(filter.isHard([])).toBe(false);
    expect(filter.confidence([0.5, Number.NaN])).toBeUndefined();
  });
});

describe('Random, CloudOnly, EdgeOnly', () => {
  it('Random is hard with probability random_ratio, repeatably with a seed', () => {
    const draws = (seed: number): boolean[] => {
      const filter = new RandomFilter({ random_ratio: '0.3' }, { random: seededRandom(seed) });
      return Array.from({ length: 2000 }, () => filter.isHard());
    };
    const first = draws(7);
    expect(draws(7)).toEqual(first);
    const share = first.filter(Boolean).length / first.length;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.35);
    expect(new RandomFilter({ random_ratio: 0 }).isHard()).toBe(false);
    expect(new RandomFilter({ random_ratio: 1 }).isHard()).toBe(true);
    expect(() => new RandomFilter({ random_ratio: 'lots' })).toThrow(/"Random": parameter "random_ratio"/);
  });

  it('CloudOnly is always hard and EdgeOnly never', () => {
    expect(new CloudOnlyFilter().isHard([])).toBe(true);
    expect(new EdgeOnlyFilter().isHard([box(0.01)])).toBe(false);
  });
});

describe('registry', () => {
  it('registers the original aliases and builds filters from the environment', () => {
    registerHardExampleMining();
    expect(ClassFactory.list(ClassType.HEM)).toEqual(expect.arrayContaining(['CloudOnly', 'CrossEntropy', 'EdgeOnly', 'IBT', 'Random', 'Threshold']));
    const spec = new Context({ HEM_NAME: 'IBT', HEM_PARAMETERS: '[{"key":"threshold_img","value":"0.9"},{"key":"threshold_box","value":"0.8"}]' }).getAlgorithmFromApi('HEM');
    const filter = createHardExampleMining(spec!);
    expect(filter).toBeInstanceOf(IBTFilter);
    expect((filter as IBTFilter).thresholdImg).toBe(0.9);
    expect((filter as IBTFilter).thresholdBox).toBe(0.8);
    expect(() => createHardExampleMining({ method: 'Nope', param: {} })).toThrow(/known: CloudOnly, CrossEntropy, EdgeOnly, IBT, Random, Threshold/);
  });

  it('warns about an unknown parameter instead of failing', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      new ThresholdFilter({ threshhold: '0.9' });
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/ignoring unknown parameter "threshhold" \(known: threshold\)/), 'SednaParameterWarning');
    } finally {
      warn.mockRestore();
    }
  });
});
