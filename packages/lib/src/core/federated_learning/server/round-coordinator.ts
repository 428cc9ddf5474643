/**
 * The aggregator's rounds as a pure state machine: events in (a worker joined, sent an update, sent something
 * unusable, the round timer fired, a round was aggregated), decisions out (refuse, send the current model, arm the
 * timer, close the round, log). No sockets, timers or files: the aggregation server (aggregation-server.ts) turns
 * frames into events and carries the decisions out, and round-coordinator.test.ts checks the rules as a table.
 *
 * The rules:
 * - each worker has at most one answer per round (its latest update, or why it was refused, when it may retry);
 * - a round closes when every participant (the chosen ones, with client choice) answered with at least `minClients`
 *   usable updates, or once its timeout passed with at least `minClients` usable;
 * - an update for a closed round is refused (the worker hears the current model if the run is over); one for a later
 *   round gets the current model; with client choice, one from a worker not chosen is refused;
 * - unusable weights (NaN, infinity, wrong shapes, a difference with no global model) are refused, retry allowed.
 */
import type { ClientChoose } from '../../../algorithms/client_choose/types.js';
import type { Tensor, WeightTensor } from '../../estimator.js';
import type { ClientMetrics } from '../protocol.js';
import { shapeMismatch, unusableWeights } from '../structure.js';
import { OpenRound, type CloseReason, type UpdatePlacement } from './open-round.js';

export type CoordinatorDecision =
  /** Tell the worker its update was refused (and log it); `retry`: it may send another for this round. */
  | { readonly kind: 'refuse'; readonly id: string; readonly round: number; readonly reason: string; readonly retry: boolean }
  /** Send the worker the current model and round. */
  | { readonly kind: 'sync'; readonly id: string }
  /** Send every worker of this lib the current model and round (they hear who was chosen). */
  | { readonly kind: 'syncAll' }
  /** Start the round timer if it is not running; when it fires, call timerFired(round). */
  | { readonly kind: 'armTimer'; readonly round: number }
  /** Aggregate the open round (stop its timer); then call roundAggregated and openNextRound. */
  | { readonly kind: 'close'; readonly round: number; readonly reason: CloseReason }
  | { readonly kind: 'log'; readonly message: string };

export interface RoundRules {
  /** Training workers per round (PARTICIPANTS_COUNT). */
  participants: number;
  /** Rounds to run. */
  exitRound: number;
  /** Usable updates a round needs to end by timeout. */
  minClients: number;
  /** For the "still waiting" log line. */
  roundTimeoutMs: number;
  /** Client choice among the connected workers of this lib; none: everyone trains every round. */
  chooser?: ClientChoose;
  /** MistNet: workers send features, not weights. */
  mistnet: boolean;
  /** The aggregation's name, for refusals. */
  algorithm: string;
  /** Where accepted weights are kept until their round is aggregated; none: where they arrived. */
  placement?: UpdatePlacement;
}

/** A worker's weights update, as read from its frame or JSON message. */
export interface WeightsUpdate {
  round: number;
  numSamples: number;
  weights: WeightTensor[];
  metrics: ClientMetrics | undefined;
  /** The weights are a difference to the global model. */
  delta: boolean;
  /** The tensors carry the worker's own names (binary) or positional ones (the original's JSON). */
  named: boolean;
}

export class RoundCoordinator {
  /** The round being collected: completed + 1. */
  round: OpenRound;
  completedRounds = 0;
  /** A round is being aggregated: updates wait for the next one. */
  closing = false;
  finished = false;
  stopped = false;
  /** The global model the updates must match (the server sets it). */
  global: readonly WeightTensor[] | undefined;
  private timerArmed = false;

  constructor(readonly rules: RoundRules) {
    this.round = new OpenRound(1, rules.placement);
  }

  /** After a checkpoint: `completed` rounds are done, the next is open. */
  resume(completed: number): void {
    this.completedRounds = completed;
    this.replaceRound(completed + 1);
  }

  /** Answers the open round waits for, and usable updates it needs to end by timeout. */
  quorum(): [participants: number, minUsable: number] {
    const participants = this.round.selected?.size ?? this.rules.participants;
    return [participants, Math.min(this.rules.minClients, participants)];
  }

  /** A worker subscribed; `available`: the connected workers of this lib (binary wire), for client choice. */
  joined(id: string, binary: boolean, available: readonly string[]): CoordinatorDecision[] {
    if (!binary) return [];
    if (this.rules.chooser !== undefined && this.round.selected === undefined && !this.closing && !this.finished) {
      const chose = this.choose(available);
      // Enough workers to choose from at last: everyone hears who trains this round.
      if (this.round.selected !== undefined) return [...chose, { kind: 'syncAll' }];
      return [...chose, { kind: 'sync', id }];
    }
    return [{ kind: 'sync', id }];
  }

  /** A weights update; `bytes` count towards the round's received bytes. */
  update(id: string, update: WeightsUpdate, bytes: number): CoordinatorDecision[] {
    if (this.rules.mistnet) return this.refuse(id, update.round, 'this aggregator runs MistNet: workers send features, not weights', false);
    if (this.finished || this.closing || update.round < this.round.number) {
      const refused = this.refuse(id, update.round, `round ${update.round} is already closed`, false);
      return this.finished ? [...refused, { kind: 'sync', id }] : refused;
    }
    if (update.round > this.round.number) {
      return [{ kind: 'log', message: `worker "${id}" sent an update for round ${update.round} while round ${this.round.number} is open; sending it the current model` }, { kind: 'sync', id }];
    }
    if (this.rules.chooser !== undefined && !this.round.selected?.has(id)) return this.refuse(id, update.round, `it was not chosen for round ${update.round}`, false);
    const unusable = unusableWeights(id, update.weights);
    if (unusable !== undefined) return this.refuse(id, update.round, unusable, true, bytes);
    let weights = update.weights;
    if (this.global !== undefined) {
      const mismatch = shapeMismatch(this.global, weights);
      if (mismatch !== undefined) return this.refuse(id, update.round, mismatch, true, bytes);
      if (update.delta) weights = addDelta(this.global, weights);
    } else if (update.delta) {
      return this.refuse(id, update.round, 'it sent a difference to a global model, but there is none yet', true, bytes);
    }
    this.round.answer(id, { kind: 'accepted', update: { id, numSamples: update.numSamples, weights, metrics: update.metrics, named: update.named } }, bytes);
    return [...this.arm(), ...this.closeIfDone()];
  }

  /** MistNet: a worker's features for `round` (or why they cannot be used). */
  features(id: string, round: number, numSamples: number, features: { x: Tensor; y: Int32Array } | string, bytes: number): CoordinatorDecision[] {
    if (!this.rules.mistnet) return this.refuse(id, this.round.number, `this aggregator runs ${this.rules.algorithm}, not MistNet: workers send weights`, false);
    if (this.finished || this.closing || round !== this.round.number) {
      const refused = this.refuse(id, round, `round ${round} is not the open round ${this.round.number}`, false);
      return this.finished ? [...refused, { kind: 'sync', id }] : refused;
    }
    if (typeof features === 'string') return this.refuse(id, round, features, true, bytes);
    this.round.answer(id, { kind: 'accepted', update: { id, numSamples, weights: [], metrics: undefined, named: true, features } }, bytes);
    return [...this.arm(), ...this.closeIfDone()];
  }

  /**
   * Refuses a worker's message for `round` (default: the open one). With `retry`, in the open round, the refusal is
   * the worker's answer (it counts towards "everyone answered") until it sends a usable update.
   */
  refuse(id: string, round: number, reason: string, retry: boolean, bytes = 0): CoordinatorDecision[] {
    const decisions: CoordinatorDecision[] = [{ kind: 'refuse', id, round, reason, retry }];
    if (round === this.round.number && !this.closing && !this.finished && retry) {
      this.round.answer(id, { kind: 'rejected', reason }, bytes);
      decisions.push(...this.arm());
    }
    return [...decisions, ...this.closeIfDone()];
  }

  /** The timer armed for `round` fired; `connected`: workers connected now (for the log). */
  timerFired(round: number, connected: number): CoordinatorDecision[] {
    this.timerArmed = false;
    if (round !== this.round.number || this.closing) return [];
    this.round.timedOut = true;
    if (this.round.closeReason(...this.quorum()) === undefined) {
      const message =
        `round ${round}: ${this.round.accepted().length} usable update(s) of the ${this.rules.minClients} needed after ${this.rules.roundTimeoutMs / 1000} s ` +
        `(${connected} worker(s) connected); still waiting`;
      return [{ kind: 'log', message }, ...this.arm()];
    }
    return this.closeIfDone();
  }

  /** The open round was aggregated: it is the last completed one. */
  roundAggregated(): void {
    this.completedRounds = this.round.number;
  }

  /** After the round's model went out (the checkpoint written): the next round opens, with its workers chosen. */
  openNextRound(available: readonly string[]): CoordinatorDecision[] {
    this.replaceRound(this.completedRounds + 1);
    return this.completedRounds >= this.rules.exitRound ? [] : this.choose(available);
  }

  /** The next round takes updates (after openNextRound and the broadcast). */
  reopen(): void {
    this.closing = false;
  }

  get exitReached(): boolean {
    return this.completedRounds >= this.rules.exitRound;
  }

  /** Opens round `number`; the round it replaces gives back its updates' memory (if the server did not yet). */
  private replaceRound(number: number): void {
    this.round.releaseInputs();
    this.round = new OpenRound(number, this.rules.placement);
  }

  private arm(): CoordinatorDecision[] {
    if (this.timerArmed) return [];
    this.timerArmed = true;
    return [{ kind: 'armTimer', round: this.round.number }];
  }

  private closeIfDone(): CoordinatorDecision[] {
    if (this.closing || this.finished || this.stopped) return [];
    const reason = this.round.closeReason(...this.quorum());
    if (reason === undefined) return [];
    this.closing = true;
    this.timerArmed = false;
    return [{ kind: 'close', round: this.round.number, reason }];
  }

  /** Client choice for the open round among `available`; nothing chosen while there are too few. */
  private choose(available: readonly string[]): CoordinatorDecision[] {
    const chooser = this.rules.chooser;
    if (chooser === undefined) return [];
    const picked = chooser.choose([...available]);
    if (picked.length === 0) {
      return [{ kind: 'log', message: `round ${this.round.number}: ${available.length} worker(s) connected, ${chooser.name} needs ${chooser.minAvailable} to choose from; waiting` }];
    }
    this.round.selected = new Set(picked);
    return [{ kind: 'log', message: `round ${this.round.number}: ${chooser.name} chose ${picked.length} of ${available.length} worker(s)` }];
  }
}

function addDelta(global: readonly WeightTensor[], delta: readonly WeightTensor[]): WeightTensor[] {
  return delta.map((tensor, index) => {
    const base = global[index]!.data;
    const data = new Float32Array(tensor.data.length);
    for (let position = 0; position < data.length; position++) data[position] = base[position]! + tensor.data[position]!;
    return { name: tensor.name, shape: tensor.shape, data };
  });
}
