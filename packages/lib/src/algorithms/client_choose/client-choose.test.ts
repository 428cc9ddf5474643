import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { FractionClientChoose, SimpleClientChoose, createClientChoose, registerClientChoose, sampleWithoutReplacement } from './index.js';

const clients = ['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8', 'w9'];

describe('sampleWithoutReplacement', () => {
  it('draws distinct items, repeatably with a seed, and uniformly enough', () => {
    const pick = (seed: number): string[] => sampleWithoutReplacement(clients, 4, seededRandom(seed));
    expect(pick(3)).toEqual(pick(3));
    expect(new Set(pick(3)).size).toBe(4);
    const counts = new Map<string, number>();
    const random = seededRandom(9);
    for (let round = 0; round < 5000; round++) for (const id of sampleWithoutReplacement(clients, 3, random)) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const id of clients) expect(counts.get(id)! / 5000).toBeCloseTo(0.3, 1);
    expect(() => sampleWithoutReplacement(clients, 11, Math.random)).toThrow(/cannot sample 11 of 10/);
  });
});

describe('SimpleClientChoose', () => {
  it('takes per_round clients at random, none when fewer are connected', () => {
    const choose = new SimpleClientChoose({ per_round: '3' }, { random: seededRandom(1) });
    expect(choose.parameters).toEqual({ per_round: 3 });
    expect(choose.minAvailable).toBe(3);
    const picked = choose.choose(clients);
    expect(picked).toHaveLength(3);
    expect(picked.every((id) => clients.includes(id))).toBe(true);
    expect(choose.choose(['a', 'b'])).toEqual([]);
    expect(new SimpleClientChoose().perRound).toBe(1);
    expect(() => new SimpleClientChoose({ per_round: '0' })).toThrow(/parameter "per_round"/);
    expect(() => choose.choose(['a', 'a', 'b'])).toThrow(/"a" is listed twice/);
  });
});

describe('FractionClientChoose', () => {
  it("computes Flower's sample size max(floor(n·fraction_fit), min_fit_clients)", () => {
    const choose = new FractionClientChoose({ fraction_fit: '0.3', min_fit_clients: '2', min_available_clients: '2' });
    expect(choose.sampleSize(10)).toBe(3);
    expect(choose.sampleSize(5)).toBe(2); // floor(1.5) = 1 < 2
    expect(new FractionClientChoose().sampleSize(7)).toBe(7); // defaults: fraction 1.0
  });

  it('samples that many, and none below min_available_clients', () => {
    const choose = new FractionClientChoose({ fraction_fit: '0.5', min_fit_clients: '2', min_available_clients: '3' }, { random: seededRandom(5) });
    expect(choose.choose(clients)).toHaveLength(5);
    expect(choose.choose(['a', 'b'])).toEqual([]);
    expect(choose.choose(['a', 'b', 'c'])).toHaveLength(2);
    const greedy = new FractionClientChoose({ min_fit_clients: '5', min_available_clients: '5' });
    expect(greedy.choose(['a', 'b', 'c', 'd', 'e'])).toHaveLength(5);
  });

  it('validates its parameters and is registered', () => {
    expect(() => new FractionClientChoose({ fraction_fit: '1.5' })).toThrow(/parameter "fraction_fit": must be in \[0, 1\]/);
    registerClientChoose();
    expect(createClientChoose({ method: 'FractionClientChoose', param: { fraction_fit: '0.1' } })).toBeInstanceOf(FractionClientChoose);
  });
});
