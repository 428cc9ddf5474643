import { describe, expect, it } from 'vitest';
import type { ClientChoose } from '../../../algorithms/client_choose/types.js';
import type { WeightTensor } from '../../estimator.js';
import { RoundCoordinator, type CoordinatorDecision, type RoundRules, type WeightsUpdate } from './round-coordinator.js';

const tensor = (...values: number[]): WeightTensor[] => [{ name: 'w', shape: [values.length], data: Float32Array.from(values) }];
const update = (round: number, weights = tensor(1, 2), extra: Partial<WeightsUpdate> = {}): WeightsUpdate => ({ round, numSamples: 10, weights, metrics: undefined, delta: false, named: true, ...extra });
const rules = (over: Partial<RoundRules> = {}): RoundRules => ({ participants: 2, exitRound: 3, minClients: 1, roundTimeoutMs: 1000, mistnet: false, algorithm: 'FedAvg', ...over });
/** Decisions as short strings: `refuse a r1 retry: why`, `sync a`, `arm r1`, `close r1 participants`. */
const show = (decisions: readonly CoordinatorDecision[]) =>
  decisions
    .filter((d) => d.kind !== 'log')
    .map((d) => {
      switch (d.kind) {
        case 'refuse':
          return `refuse ${d.id} r${d.round}${d.retry ? ' retry' : ''}: ${d.reason}`;
        case 'sync':
          return `sync ${d.id}`;
        case 'syncAll':
          return 'syncAll';
        case 'armTimer':
          return `arm r${d.round}`;
        case 'close':
          return `close r${d.round} ${d.reason}`;
        default:
          return (d as CoordinatorDecision).kind;
      }
    });

/** Plays events on a fresh coordinator; returns the decisions of the last one. */
type Event = (c: RoundCoordinator) => CoordinatorDecision[];

const cases: { name: string; rules?: Partial<RoundRules>; setup?: (c: RoundCoordinator) => void; events: Event[]; expect: string[] }[] = [
  { name: 'the first update arms the timer', events: [(c) => c.update('a', update(1), 8)], expect: ['arm r1'] },
  { name: 'every participant answered: the round closes', events: [(c) => c.update('a', update(1), 8), (c) => c.update('b', update(1), 8)], expect: ['close r1 participants'] },
  { name: 'an update for a closed round is refused, no retry', setup: (c) => c.resume(2), events: [(c) => c.update('a', update(1), 8)], expect: ['refuse a r1: round 1 is already closed'] },
  { name: 'after the run, a late worker also gets the final model', setup: (c) => (c.finished = true), events: [(c) => c.update('a', update(3), 8)], expect: ['refuse a r3: round 3 is already closed', 'sync a'] },
  { name: 'an update for a later round gets the current model', events: [(c) => c.update('a', update(4), 8)], expect: ['sync a'] },
  { name: 'unusable weights are refused with retry and count as an answer', events: [(c) => c.update('a', update(1, tensor(Number.NaN, 1)), 8)], expect: ['refuse a r1 retry: tensor 0 ("w") has NaN at flat index 0', 'arm r1'] },
  {
    name: 'a refused worker and a usable one: everyone answered, the round closes',
    events: [(c) => c.update('a', update(1, tensor(Number.NaN, 1)), 8), (c) => c.update('b', update(1), 8)],
    expect: ['close r1 participants'],
  },
  { name: 'weights of another shape than the global model are refused', setup: (c) => (c.global = tensor(0, 0, 0)), events: [(c) => c.update('a', update(1), 8)], expect: [expect.stringMatching(/^refuse a r1 retry: /) as unknown as string, 'arm r1'] },
  { name: 'a difference with no global model is refused', events: [(c) => c.update('a', update(1, tensor(1, 2), { delta: true }), 8)], expect: ['refuse a r1 retry: it sent a difference to a global model, but there is none yet', 'arm r1'] },
  { name: 'MistNet takes no weights', rules: { mistnet: true }, events: [(c) => c.update('a', update(1), 8)], expect: ['refuse a r1: this aggregator runs MistNet: workers send features, not weights'] },
  { name: 'features to an aggregator that is not MistNet are refused', events: [(c) => c.features('a', 1, 5, 'x', 8)], expect: ['refuse a r1: this aggregator runs FedAvg, not MistNet: workers send weights'] },
  { name: 'while a round is aggregated, updates wait', events: [(c) => c.update('a', update(1), 8), (c) => c.update('b', update(1), 8), (c) => c.update('a', update(1), 8)], expect: ['refuse a r1: round 1 is already closed'] },
  { name: 'the timer with too few usable updates: still waiting, armed again', rules: { minClients: 2 }, events: [(c) => c.update('a', update(1), 8), (c) => c.timerFired(1, 1)], expect: ['arm r1'] },
  { name: 'the timer with enough usable updates closes the round', events: [(c) => c.update('a', update(1), 8), (c) => c.timerFired(1, 2)], expect: ['close r1 timeout'] },
  { name: 'a timer of an earlier round does nothing', setup: (c) => c.resume(1), events: [(c) => c.timerFired(1, 2)], expect: [] },
  { name: 'a JSON worker joining gets nothing (the original waits for the round)', events: [(c) => c.joined('a', false, [])], expect: [] },
  { name: 'a worker of this lib joining gets the current model', events: [(c) => c.joined('a', true, ['a'])], expect: ['sync a'] },
];

describe('the round coordinator', () => {
  it.each(cases)('$name', ({ rules: over, setup, events, expect: wanted }) => {
    const coordinator = new RoundCoordinator(rules(over));
    setup?.(coordinator);
    let last: CoordinatorDecision[] = [];
    for (const event of events) last = event(coordinator);
    expect(show(last)).toEqual(wanted);
  });

  it('with client choice: waits for enough workers, then everyone hears who trains; others are refused', () => {
    const chooser: ClientChoose = { name: 'Two', minAvailable: 2, choose: (ids: string[]) => (ids.length >= 2 ? ids.slice(0, 2) : []) } as unknown as ClientChoose;
    const c = new RoundCoordinator(rules({ participants: 3, chooser }));
    expect(show(c.joined('a', true, ['a']))).toEqual(['sync a']);
    expect(show(c.joined('b', true, ['a', 'b']))).toEqual(['syncAll']);
    expect(show(c.update('x', update(1), 8))).toEqual(['refuse x r1: it was not chosen for round 1']);
    expect(c.quorum()).toEqual([2, 1]);
    c.update('a', update(1), 8);
    expect(show(c.update('b', update(1), 8))).toEqual(['close r1 participants']);
  });

  it('after a round: the next opens and takes updates once reopened; the exit round is known', () => {
    const c = new RoundCoordinator(rules({ participants: 1, exitRound: 2 }));
    expect(show(c.update('a', update(1), 8))).toEqual(['arm r1', 'close r1 participants']);
    c.roundAggregated();
    c.openNextRound([]);
    expect(show(c.update('a', update(2), 8))).toEqual(['refuse a r2: round 2 is already closed']);
    c.reopen();
    expect(show(c.update('a', update(2), 8))).toEqual(['arm r2', 'close r2 participants']);
    c.roundAggregated();
    expect(c.exitReached).toBe(true);
  });
});
