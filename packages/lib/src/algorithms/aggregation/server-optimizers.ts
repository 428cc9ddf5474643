/**
 * Server-side optimizers (Flower's FedAvgM and FedOpt family, Reddi et al. "Adaptive Federated Optimization"):
 * the round's weighted average gives a pseudo-gradient Δ = avg − w, which updates the global model w with
 * momentum or an adaptive step. They keep w and their moment estimates between rounds.
 */
import type { WeightTensor } from '../../core/estimator.js';
import { ParamReader, type AlgorithmParams } from '../params.js';
import { RoundMemory, type EngineOptions } from './fedavg.js';
import { tensorsLike } from './screening.js';
import { weightedAverage } from './weighted-average.js';
import { defaultWeightedSumEngine, type WeightedSumEngine } from './weighted-sum/engine.js';
import type { WeightArena } from './weighted-sum/arena.js';
import { AggregationError, type AggClient, type AggregationResult, type StatefulAggregation } from './types.js';

function cloneTensors(weights: readonly WeightTensor[]): WeightTensor[] {
  return weights.map((tensor) => ({ name: tensor.name, shape: [...tensor.shape], data: tensor.data.slice() }));
}

/**
 * What a server optimizer carries from one round to the next, so that an aggregator restarted from a checkpoint
 * resumes the same trajectory: the global model, the step count and every moment buffer.
 */
export interface ServerOptimizerState {
  readonly steps: number;
  readonly globalWeights: readonly WeightTensor[] | undefined;
  /** Moment buffers keyed `<moment>/<tensor index>`, e.g. `m/0`, `v/3`, `momentum/1`. */
  readonly moments: Readonly<Record<string, Float32Array>>;
}

export abstract class ServerOptimizer extends RoundMemory implements StatefulAggregation {
  private current: WeightTensor[] | undefined;
  /** Server steps taken so far (Flower's server_round when the initial model was set). */
  protected steps = 0;
  private readonly engine: WeightedSumEngine;

  constructor(options: EngineOptions) {
    super();
    this.engine = options.engine ?? defaultWeightedSumEngine();
  }

  /** Its engine's arena: the aggregation server copies arriving updates there, so the round reads them in place. */
  get inputArena(): WeightArena {
    return this.engine.arena;
  }

  get globalWeights(): readonly WeightTensor[] | undefined {
    return this.current === undefined ? undefined : cloneTensors(this.current);
  }

  setGlobalWeights(weights: readonly WeightTensor[]): void {
    weights.forEach((tensor, index) => {
      for (const value of tensor.data) {
        if (!Number.isFinite(value)) throw new AggregationError(`${this.name}: global tensor ${index} ("${tensor.name}") has a non-finite value`);
      }
    });
    this.current = cloneTensors(weights);
    this.resetMoments();
  }

  protected async aggregateRound(clients: readonly AggClient[]): Promise<AggregationResult> {
    const average = await weightedAverage(clients, this.name, this.engine);
    if (this.current === undefined || !this.usesServerStep()) {
      this.current = cloneTensors(average.weights);
      return average;
    }
    this.checkMatchesGlobal(average.weights);
    this.steps++;
    const updated = this.current.map((tensor, index) => this.step(index, tensor.data, average.weights[index]!.data));
    this.current = tensorsLike(this.current, updated);
    return { ...average, weights: cloneTensors(this.current) };
  }

  /** A copy of the state a checkpoint needs (see ServerOptimizerState). */
  exportState(): ServerOptimizerState {
    const moments: Record<string, Float32Array> = {};
    for (const [kind, buffers] of Object.entries(this.momentBuffers())) {
      for (const [index, buffer] of buffers.entries()) moments[`${kind}/${index}`] = buffer.slice();
    }
    return { steps: this.steps, globalWeights: this.globalWeights, moments };
  }

  /** Puts back a state exportState() gave; a moment of an unknown kind or tensor is an error naming it. */
  restoreState(state: ServerOptimizerState): void {
    if (state.globalWeights === undefined) this.current = undefined;
    else this.setGlobalWeights(state.globalWeights);
    const kinds = this.momentBuffers();
    for (const buffers of Object.values(kinds)) buffers.clear();
    for (const [key, buffer] of Object.entries(state.moments)) {
      const [kind, indexText] = key.split('/');
      const index = Number(indexText);
      const buffers = kind === undefined ? undefined : kinds[kind];
      const tensor = this.current?.[index];
      if (buffers === undefined || tensor === undefined || tensor.data.length !== buffer.length) {
        throw new AggregationError(`${this.name}: the saved moment "${key}" does not fit this optimizer and its global model`);
      }
      buffers.get(index, buffer.length).set(buffer);
    }
    if (!Number.isInteger(state.steps) || state.steps < 0) throw new AggregationError(`${this.name}: the saved step count ${state.steps} is not a non-negative integer`);
    this.steps = state.steps;
  }

  /** The moment buffers by kind, for exportState/restoreState. */
  protected abstract momentBuffers(): Record<string, Moments>;

  /** False when the parameters make the step the identity on the average (FedAvgM with lr 1, momentum 0). */
  protected usesServerStep(): boolean {
    return true;
  }

  /** The new global values of tensor `index` from the current ones and the round's average. */
  protected abstract step(index: number, current: Float32Array, average: Float32Array): Float32Array;

  protected abstract resetMoments(): void;

  private checkMatchesGlobal(average: readonly WeightTensor[]): void {
    const current = this.current!;
    if (average.length !== current.length) {
      throw new AggregationError(`${this.name}: the clients sent ${average.length} tensors but the global model has ${current.length}`);
    }
    average.forEach((tensor, index) => {
      if (tensor.data.length !== current[index]!.data.length || tensor.name !== current[index]!.name) {
        throw new AggregationError(
          `${this.name}: tensor ${index} ("${tensor.name}", ${tensor.data.length} values) does not match the global model's "${current[index]!.name}" (${current[index]!.data.length} values)`,
        );
      }
    });
  }
}

/** Moment buffers, one Float32Array per tensor, created at zero on first use. */
class Moments {
  private buffers: Float32Array[] = [];

  get(index: number, length: number): Float32Array {
    let buffer = this.buffers[index];
    if (buffer === undefined || buffer.length !== length) {
      buffer = new Float32Array(length);
      this.buffers[index] = buffer;
    }
    return buffer;
  }

  has(index: number): boolean {
    return this.buffers[index] !== undefined;
  }

  clear(): void {
    this.buffers = [];
  }

  /** The buffers created so far, by tensor index. */
  entries(): [number, Float32Array][] {
    const found: [number, Float32Array][] = [];
    this.buffers.forEach((buffer, index) => found.push([index, buffer]));
    return found;
  }
}

/**
 * FedAvgM (Hsu et al.): Δ' = w − avg; with momentum, v = β·v + Δ' (v = Δ' on the first step);
 * w ← w − η·v (w − η·Δ' without momentum). Parameters (Flower's defaults): `server_learning_rate` 1.0,
 * `server_momentum` 0.0; with those two defaults the result is plain FedAvg.
 */
export class FedAvgM extends ServerOptimizer {
  readonly name = 'FedAvgM';
  readonly serverLearningRate: number;
  readonly serverMomentum: number;
  private readonly momentum = new Moments();

  constructor(param: AlgorithmParams = {}, options: EngineOptions = {}) {
    super(options);
    const read = new ParamReader('aggregation "FedAvgM"', param, ['server_learning_rate', 'server_momentum']);
    this.serverLearningRate = read.number('server_learning_rate', 1.0, { min: 0 });
    this.serverMomentum = read.number('server_momentum', 0.0, { min: 0 });
  }

  protected override usesServerStep(): boolean {
    return this.serverMomentum !== 0 || this.serverLearningRate !== 1;
  }

  protected step(index: number, current: Float32Array, average: Float32Array): Float32Array {
    const next = new Float32Array(current.length);
    const useMomentum = this.serverMomentum > 0;
    const first = !this.momentum.has(index);
    const velocity = useMomentum ? this.momentum.get(index, current.length) : undefined;
    for (let position = 0; position < current.length; position++) {
      let direction = current[position]! - average[position]!;
      if (velocity !== undefined) {
        direction = first ? direction : this.serverMomentum * velocity[position]! + direction;
        velocity[position] = direction;
      }
      next[position] = current[position]! - this.serverLearningRate * direction;
    }
    return next;
  }

  protected resetMoments(): void {
    this.momentum.clear();
  }

  protected momentBuffers(): Record<string, Moments> {
    return { momentum: this.momentum };
  }
}

interface FedOptParameters {
  eta: number;
  etaL: number;
  beta1: number;
  beta2: number;
  tau: number;
}

/** Reads the FedOpt parameters with the given defaults (Flower's differ per strategy). */
function readFedOpt(name: string, param: AlgorithmParams, defaults: FedOptParameters, tunableBetas: boolean): FedOptParameters {
  const known = tunableBetas ? ['eta', 'eta_l', 'beta_1', 'beta_2', 'tau'] : ['eta', 'eta_l', 'tau'];
  const read = new ParamReader(`aggregation "${name}"`, param, known);
  return {
    eta: read.number('eta', defaults.eta, { min: 0, minInclusive: false }),
    etaL: read.number('eta_l', defaults.etaL, { min: 0 }),
    beta1: tunableBetas ? read.number('beta_1', defaults.beta1, { min: 0, max: 1, maxInclusive: false }) : defaults.beta1,
    beta2: tunableBetas ? read.number('beta_2', defaults.beta2, { min: 0, max: 1, maxInclusive: false }) : defaults.beta2,
    tau: read.number('tau', defaults.tau, { min: 0, minInclusive: false }),
  };
}

/** The FedOpt skeleton: Δ = avg − w, m = β₁·m + (1 − β₁)·Δ, a strategy-specific v, w ← w + rate·m / (√v + τ). */
abstract class FedOpt extends ServerOptimizer {
  /** Server learning rate η. */
  readonly eta: number;
  /** Client learning rate η_l: sent to clients, not used by the server step. */
  readonly etaL: number;
  readonly beta1: number;
  readonly beta2: number;
  /** τ, which keeps the adaptive step finite where v is 0. */
  readonly tau: number;
  private readonly m = new Moments();
  private readonly v = new Moments();

  protected constructor(parameters: FedOptParameters, options: EngineOptions) {
    super(options);
    this.eta = parameters.eta;
    this.etaL = parameters.etaL;
    this.beta1 = parameters.beta1;
    this.beta2 = parameters.beta2;
    this.tau = parameters.tau;
  }

  /** The new second moment of one coordinate from the old one and Δ². */
  protected abstract secondMoment(v: number, deltaSquared: number): number;

  /** The step size of this round (FedAdam corrects its bias; the others use η). */
  protected rate(): number {
    return this.eta;
  }

  protected step(index: number, current: Float32Array, average: Float32Array): Float32Array {
    const m = this.m.get(index, current.length);
    const v = this.v.get(index, current.length);
    const rate = this.rate();
    const next = new Float32Array(current.length);
    for (let position = 0; position < current.length; position++) {
      const delta = average[position]! - current[position]!;
      const mNew = this.beta1 * m[position]! + (1 - this.beta1) * delta;
      const vNew = this.secondMoment(v[position]!, delta * delta);
      m[position] = mNew;
      v[position] = vNew;
      next[position] = current[position]! + (rate * mNew) / (Math.sqrt(vNew) + this.tau);
    }
    return next;
  }

  protected resetMoments(): void {
    this.m.clear();
    this.v.clear();
    this.steps = 0;
  }

  protected momentBuffers(): Record<string, Moments> {
    return { m: this.m, v: this.v };
  }
}

/**
 * FedAdam: v = β₂·v + (1 − β₂)·Δ², step η·√(1 − β₂^(t+1)) / (1 − β₁^(t+1)) at server round t (Flower's
 * bias correction). Flower's defaults: `eta` 0.1, `eta_l` 0.1, `beta_1` 0.9, `beta_2` 0.99, `tau` 1e-9.
 */
export class FedAdam extends FedOpt {
  readonly name = 'FedAdam';

  constructor(param: AlgorithmParams = {}, options: EngineOptions = {}) {
    super(readFedOpt('FedAdam', param, { eta: 1e-1, etaL: 1e-1, beta1: 0.9, beta2: 0.99, tau: 1e-9 }, true), options);
  }

  protected secondMoment(v: number, deltaSquared: number): number {
    return this.beta2 * v + (1 - this.beta2) * deltaSquared;
  }

  protected override rate(): number {
    const t = this.steps;
    return (this.eta * Math.sqrt(1 - this.beta2 ** (t + 1))) / (1 - this.beta1 ** (t + 1));
  }
}

/**
 * FedYogi: v = v − (1 − β₂)·Δ²·sign(v − Δ²), step η. Flower's defaults: `eta` 0.01, `eta_l` 0.0316,
 * `beta_1` 0.9, `beta_2` 0.99, `tau` 0.001.
 */
export class FedYogi extends FedOpt {
  readonly name = 'FedYogi';

  constructor(param: AlgorithmParams = {}, options: EngineOptions = {}) {
    super(readFedOpt('FedYogi', param, { eta: 1e-2, etaL: 0.0316, beta1: 0.9, beta2: 0.99, tau: 1e-3 }, true), options);
  }

  protected secondMoment(v: number, deltaSquared: number): number {
    return v - (1 - this.beta2) * deltaSquared * Math.sign(v - deltaSquared);
  }
}

/**
 * FedAdagrad: m = Δ (β₁ = 0), v = v + Δ², step η. Flower's defaults: `eta` 0.1, `eta_l` 0.1, `tau` 1e-9
 * (β₁ and β₂ are fixed at 0, as Flower passes them).
 */
export class FedAdagrad extends FedOpt {
  readonly name = 'FedAdagrad';

  constructor(param: AlgorithmParams = {}, options: EngineOptions = {}) {
    super(readFedOpt('FedAdagrad', param, { eta: 1e-1, etaL: 1e-1, beta1: 0, beta2: 0, tau: 1e-9 }, false), options);
  }

  protected secondMoment(v: number, deltaSquared: number): number {
    return v + deltaSquared;
  }
}
