/**
 * The aggregation worker's server (the original's AggregationServer, sedna-reference §4.4): training workers
 * subscribe over a websocket, send their weights after local training, and get the aggregated model back once the
 * round ends, with `exit_flag` "ok" after `exit_round` rounds. On top of the original:
 *
 * - any aggregation strategy of the lib by name (FedAvg, FedProx, FedAdam, Krum, FedMedian, ...);
 * - weights as binary frames, optionally compressed, and the original's JSON for the Python lib's workers;
 * - a round timeout: a round ends when every participant answered, or `round_timeout_seconds` after its first
 *   update with at least `min_clients` usable updates, so a worker that died does not hang the job;
 * - a worker that reconnects rejoins at the current round (it gets the current global model);
 * - unusable updates (NaN, infinity, wrong shapes) are refused, the worker named in the log, and the round goes on;
 * - per-round records (samples, metrics, bytes) reported to the local controller;
 * - a checkpoint after each round (global model, round, server optimizer state) that a restarted aggregator resumes;
 * - at the end the global model is saved to MODEL_URL, and the server closes once the workers are gone.
 *
 * The rounds' rules are the pure RoundCoordinator (round-coordinator.ts); this class is the adapter around it: the
 * websocket and HTTP server, reading messages (worker-input.ts), timers, aggregation, checkpoints and reports.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { FedProx } from '../../../algorithms/aggregation/fedprox.js';
import { FedAvgV2, MistNet } from '../../../algorithms/aggregation/plato.js';
import { createAggregation, registerAggregations } from '../../../algorithms/aggregation/index.js';
import { ServerOptimizer } from '../../../algorithms/aggregation/server-optimizers.js';
import type { Aggregation, StatefulAggregation } from '../../../algorithms/aggregation/types.js';
import { createClientChoose, registerClientChoose } from '../../../algorithms/client_choose/index.js';
import type { ClientChoose } from '../../../algorithms/client_choose/types.js';
import type { Metrics, WeightTensor } from '../../estimator.js';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint.js';
import { WeightsEncoder } from '../frames.js';
import { stderrLog, type LogLine } from '../log.js';
import { saveGlobalModel, type SavedModel } from '../model-output.js';
import { DEFAULT_AGG_PORT, parseSubscribe, summarizeRound, type GlobalHeader, type RoundConfig, type RoundRecord } from '../protocol.js';
import { cloneWeights } from '../structure.js';
import { whyNotResume } from './resume.js';
import { callerRefusal, RefusalLog } from './caller-auth.js';
import { clientInfoHandler, type ClientInfo } from './client-info.js';
import { ArenaPlacement } from './arena-placement.js';
import { aggregateClosedRound } from './combine.js';
import { GlobalModelSender } from './global-sender.js';
import { MistNetRounds } from './mistnet-rounds.js';
import type { CloseReason, OpenRound } from './open-round.js';
import type { AggregationServerOptions, AggregatorStatus, FederatedResult } from './server-options.js';
import { modelResults } from './results.js';
import { describeRound, formatBytes, roundRecord } from './round-log.js';
import { federatedLearningRecorder } from '../../../metrics/recorders.js';
import { ClientSession } from './session.js';
import { RoundCoordinator, type CoordinatorDecision } from './round-coordinator.js';
import { readWorkerInput } from './worker-input.js';

export type { AggregationServerOptions, AggregatorStatus, FederatedResult } from './server-options.js';

const DEFAULT_ROUND_TIMEOUT_MS = 600_000;
/** The name of an aggregator not given one (no WORKER_NAME): not its own, so it cannot tell its checkpoints. */
const DEFAULT_WORKER_NAME = 'aggregator';
const DEFAULT_MAX_PAYLOAD = 512 * 1024 * 1024;
const MAX_UNANSWERED_PINGS = 4;
/** Close code for a socket replaced by a newer connection of the same worker. */
const REPLACED_CODE = 4000;

function isStateful(aggregation: Aggregation): aggregation is StatefulAggregation {
  return typeof (aggregation as Partial<StatefulAggregation>).setGlobalWeights === 'function';
}

export class AggregationServer {
  readonly aggregation: Aggregation;
  readonly done: Promise<FederatedResult>;
  private readonly log: LogLine;
  private readonly participants: number;
  private readonly exitRound: number;
  private readonly minClients: number;
  private readonly roundTimeoutMs: number;
  private readonly rounds: RoundCoordinator;
  private readonly jobName: string;
  private readonly workerName: string;
  private readonly sender: GlobalModelSender;
  private readonly chooser: ClientChoose | undefined;
  private readonly mistnet: MistNetRounds | undefined;
  private readonly sessions = new Map<string, ClientSession>();
  private readonly sessionOf = new WeakMap<WebSocket, ClientSession>();
  /** Pings each socket has not answered yet. */
  private readonly unanswered = new WeakMap<WebSocket, number>();
  private http: Server | undefined;
  private wss: WebSocketServer | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private roundTimer: NodeJS.Timeout | undefined;
  private lastTotalSamples = 0;
  private history: RoundRecord[] = [];
  private readonly roundMetrics = federatedLearningRecorder();
  private resumedFrom: number | undefined;
  private lastBroadcastAt = performance.now();
  private resolveDone!: (result: FederatedResult) => void;
  private rejectDone!: (error: Error) => void;

  constructor(private readonly options: AggregationServerOptions) {
    registerAggregations();
    this.aggregation = typeof options.aggregation === 'object' && 'aggregate' in options.aggregation ? options.aggregation : createAggregation(typeof options.aggregation === 'string' ? { method: options.aggregation, param: {} } : options.aggregation);
    this.mistnet = this.aggregation instanceof MistNet ? new MistNetRounds(this.aggregation, options.estimator, options.mistnet) : undefined;
    if (this.aggregation instanceof FedAvgV2) throw new Error('aggregation "FedAvgV2" is not implemented: it was the Plato framework\'s path; use "FedAvg"');
    this.log = options.log ?? stderrLog('aggregator');
    this.participants = options.participantsCount;
    this.exitRound = options.exitRound;
    this.minClients = options.minClients ?? 1;
    this.roundTimeoutMs = options.roundTimeoutMs ?? DEFAULT_ROUND_TIMEOUT_MS;
    this.jobName = options.jobName ?? 'sedna';
    this.workerName = options.workerName ?? DEFAULT_WORKER_NAME;
    this.sender = new GlobalModelSender(new WeightsEncoder(options.broadcastCompression), options.s3);
    this.chooser = chooserOf(options.clientChoose);
    for (const [name, value, min] of [
      ['participantsCount', this.participants, 1],
      ['exitRound', this.exitRound, 1],
      ['minClients', this.minClients, 1],
    ] as const) {
      if (!Number.isInteger(value) || value < min) throw new RangeError(`AggregationServer: ${name} must be an integer >= ${min}, got ${value}`);
    }
    if (this.minClients > this.participants) throw new RangeError(`AggregationServer: minClients (${this.minClients}) exceeds participantsCount (${this.participants})`);
    if (!(this.roundTimeoutMs > 0)) throw new RangeError(`AggregationServer: roundTimeoutMs must be positive, got ${this.roundTimeoutMs}`);
    this.rounds = new RoundCoordinator({
      participants: this.participants,
      exitRound: this.exitRound,
      minClients: this.minClients,
      roundTimeoutMs: this.roundTimeoutMs,
      ...(this.chooser === undefined ? {} : { chooser: this.chooser }),
      ...(this.aggregation.inputArena === undefined ? {} : { placement: new ArenaPlacement(this.aggregation.inputArena) }),
      mistnet: this.mistnet !== undefined,
      algorithm: this.aggregation.name,
    });
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // run() and tests await `done`; a failure nobody awaits must not crash the process as unhandled.
    this.done.catch(() => undefined);
  }

  // The round state lives in the coordinator.
  private get completedRounds(): number {
    return this.rounds.completedRounds;
  }
  private get round(): OpenRound {
    return this.rounds.round;
  }
  private get finished(): boolean {
    return this.rounds.finished;
  }
  private get global(): WeightTensor[] | undefined {
    return this.rounds.global as WeightTensor[] | undefined;
  }
  private set global(weights: WeightTensor[] | undefined) {
    this.rounds.global = weights;
  }

  /** Restores a checkpoint or sets the initial model, then listens. Resolves with the bound address. */
  async start(): Promise<{ host: string; port: number }> {
    if (this.http !== undefined) throw new Error('AggregationServer: already started');
    await this.restoreOrInitialise();
    const refusals = new RefusalLog(this.log);
    const refuse = (request: IncomingMessage): string | undefined => {
      const reason = callerRefusal(request, this.options.credential);
      if (reason !== undefined) refusals.refused(request, reason);
      return reason;
    };
    const http = createServer(clientInfoHandler({ clients: () => [...this.sessions.keys()], client: (id) => this.clientInfo(id) }, refuse));
    const wss = new WebSocketServer({
      server: http,
      maxPayload: this.options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD,
      // Checked before the upgrade: a caller without the job's credential never gets a websocket.
      verifyClient: (info: { req: IncomingMessage }, done: (ok: boolean, status?: number, message?: string) => void) => {
        const reason = refuse(info.req);
        if (reason === undefined) done(true);
        else done(false, 401, reason);
      },
    });
    wss.on('connection', (socket) => this.accept(socket));
    this.http = http;
    this.wss = wss;
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.options.port ?? DEFAULT_AGG_PORT, this.options.host ?? '127.0.0.1', () => {
        http.off('error', reject);
        resolve();
      });
    });
    this.pingTimer = setInterval(() => this.pingAll(), this.options.pingIntervalMs ?? 15_000);
    this.pingTimer.unref();
    const address = this.address;
    this.log(
      `listening on ${address.host}:${address.port}: ${this.aggregation.name}, ${this.participants} participant(s), ${this.exitRound} round(s), ` +
        `min ${this.minClients} per round, timeout ${this.roundTimeoutMs / 1000} s${this.resumedFrom !== undefined ? `, resumed after round ${this.resumedFrom}` : ''}, ` +
        (this.options.credential === undefined ? 'open to any caller (no job credential)' : "callers need the job's credential"),
    );
    this.options.reporter?.report('running', this.ownerInfo());
    if (this.completedRounds >= this.exitRound) void this.finish();
    return address;
  }

  get address(): { host: string; port: number } {
    const address = this.http?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('AggregationServer: not listening');
    return { host: address.address, port: address.port };
  }

  status(): AggregatorStatus {
    return {
      completedRounds: this.completedRounds,
      exitRound: this.exitRound,
      finished: this.finished,
      connected: [...this.sessions.keys()],
      openRound: { number: this.round.number, answered: this.round.answered, usable: this.round.accepted().length },
      history: [...this.history],
      resumedFrom: this.resumedFrom,
    };
  }

  /** Starts, runs every round, lingers until the workers are gone (or lingerMs), and stops. */
  async run(): Promise<FederatedResult> {
    if (this.http === undefined) await this.start();
    try {
      const result = await this.done;
      await this.waitForWorkersToLeave(this.options.lingerMs ?? 30_000);
      return result;
    } finally {
      await this.stop();
    }
  }

  /** Closes every connection and the port at once (what a crash looks like to the workers). */
  async stop(): Promise<void> {
    if (this.rounds.stopped) return;
    this.rounds.stopped = true;
    clearInterval(this.pingTimer);
    clearTimeout(this.roundTimer);
    // A round being aggregated still reads its updates; it gives their memory back when it is done.
    if (!this.rounds.closing) this.round.releaseInputs();
    for (const socket of this.wss?.clients ?? []) socket.terminate();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    const http = this.http;
    if (http !== undefined) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    await this.options.reporter?.flush();
    if (!this.finished) this.rejectDone(new Error('the aggregation server stopped before the last round'));
  }

  // --- start-up

  private async restoreOrInitialise(): Promise<void> {
    const url = this.options.checkpointUrl;
    const checkpoint = url === undefined ? undefined : await loadCheckpoint(url);
    const reason =
      checkpoint === undefined
        ? undefined
        : whyNotResume(checkpoint, {
            ...(this.options.jobUid === undefined ? {} : { jobUid: this.options.jobUid }),
            jobName: this.jobName,
            workerName: this.workerName,
            namedWorker: this.workerName !== DEFAULT_WORKER_NAME,
            algorithm: this.aggregation.name,
            initial: this.options.initialWeights ?? this.options.estimator?.getWeights(),
          });
    if (checkpoint !== undefined && reason === undefined) {
      this.rounds.resume(checkpoint.completedRounds);
      this.global = checkpoint.globalWeights === undefined ? undefined : [...checkpoint.globalWeights];
      this.history = [...checkpoint.history];
      this.lastTotalSamples = this.history.at(-1)?.totalSamples ?? 0;
      if (checkpoint.optimizer !== undefined && this.aggregation instanceof ServerOptimizer) this.aggregation.restoreState(checkpoint.optimizer);
      else if (this.global !== undefined && isStateful(this.aggregation)) this.aggregation.setGlobalWeights(this.global);
      this.resumedFrom = this.completedRounds;
      // A finished run goes straight to finish() in start(): the model is saved and reported again, and workers that
      // still join get it.
      if (checkpoint.finished) this.log(`the run had finished before this restart (checkpoint ${url}, ${this.completedRounds} round(s)); ending it again`);
      else this.log(`resuming from the checkpoint ${url} after round ${this.completedRounds}`);
      return;
    }
    if (checkpoint !== undefined) this.log(`not resuming from the checkpoint ${url}: ${reason}; starting over`);
    const initial = this.options.initialWeights ?? this.options.estimator?.getWeights();
    if (initial !== undefined) {
      this.global = this.sender.asSent(cloneWeights(initial));
      if (isStateful(this.aggregation)) this.aggregation.setGlobalWeights(this.global);
    }
    await this.sender.publish(this.completedRounds, this.global);
  }

  // --- connections

  private accept(socket: WebSocket): void {
    this.unanswered.set(socket, 0);
    socket.on('pong', () => this.unanswered.set(socket, 0));
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      this.receive(socket, bytes, isBinary).catch((error: unknown) => this.log(`handling a message from ${this.describe(socket)} failed: ${(error as Error).message}`));
    });
    socket.on('close', () => this.disconnected(socket));
    socket.on('error', (error) => this.log(`connection ${this.describe(socket)}: ${error.message}`));
  }

  private describe(socket: WebSocket): string {
    const session = this.sessionOf.get(socket);
    return session === undefined ? 'of a worker that has not subscribed' : `of worker "${session.id}"`;
  }

  private disconnected(socket: WebSocket): void {
    const session = this.sessionOf.get(socket);
    if (session === undefined || this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    this.log(`worker "${session.id}" disconnected (${this.sessions.size} connected)`);
  }

  private pingAll(): void {
    for (const socket of this.wss?.clients ?? []) {
      const unanswered = this.unanswered.get(socket) ?? 0;
      if (unanswered >= MAX_UNANSWERED_PINGS) {
        this.log(`dropping ${this.describe(socket)}: no answer to the last ${unanswered} pings`);
        socket.terminate();
        continue;
      }
      this.unanswered.set(socket, unanswered + 1);
      socket.ping();
    }
  }

  /** One message of a worker: read (worker-input.ts), given to the coordinator, its decisions carried out. */
  private async receive(socket: WebSocket, bytes: Buffer, isBinary: boolean): Promise<void> {
    const session = this.sessionOf.get(socket);
    const input = await readWorkerInput(bytes, isBinary, {
      subscribed: session?.id,
      openRound: this.round.number,
      tensorNames: this.global?.map((tensor) => tensor.name),
      s3: this.options.s3,
      readFeatures: this.mistnet === undefined ? undefined : (tensors, samples) => this.mistnet!.readFeatures(tensors, samples),
    });
    switch (input.kind) {
      case 'subscribe':
        return this.subscribe(socket, input.message);
      case 'relay':
        // The original broadcast messages of any other type as they are.
        for (const other of this.sessions.values()) other.sendText(input.text);
        return;
      case 'update':
        return this.apply(this.rounds.update(session!.id, input.update, input.bytes));
      case 'features':
        return this.apply(this.rounds.features(session!.id, input.round, input.numSamples, input.features, input.bytes));
      case 'unreadable':
        return this.apply(this.rounds.refuse(session!.id, input.round ?? this.round.number, input.reason, input.retry, input.bytes));
    }
  }

  private subscribe(socket: WebSocket, message: Record<string, unknown>): void {
    const subscription = parseSubscribe(message);
    const id = subscription.client_id;
    const previous = this.sessions.get(id);
    if (previous !== undefined && previous.socket !== socket) {
      this.log(`worker "${id}" reconnected; closing its previous connection`);
      previous.socket.close(REPLACED_CODE, 'replaced by a newer connection of the same worker');
    }
    for (const other of this.sessions.values()) if (other.id !== id) other.sendJson({ type: 'CLIENT_JOIN', data: id });
    const session = new ClientSession(id, subscription.wire ?? 'json', socket, new Date());
    this.sessions.set(id, session);
    this.sessionOf.set(socket, session);
    for (const other of this.sessions.values()) other.sendJson(message);
    this.log(`worker "${id}" joined (${session.wire}; ${this.sessions.size} connected) at round ${this.round.number}`);
    this.apply(this.rounds.joined(id, session.wire === 'binary', this.binaryWorkers()));
  }

  /** The connected workers of this lib: those client choice chooses from. */
  private binaryWorkers(): string[] {
    return [...this.sessions.values()].filter((session) => session.wire === 'binary').map((session) => session.id);
  }

  /** Carries out the coordinator's decisions. */
  private apply(decisions: readonly CoordinatorDecision[]): void {
    for (const decision of decisions) {
      switch (decision.kind) {
        case 'log':
          this.log(decision.message);
          break;
        case 'refuse': {
          this.log(`round ${decision.round}: refused the update of worker "${decision.id}": ${decision.reason}`);
          this.sessions.get(decision.id)?.sendJson({ type: 'reject_weight', client: decision.id, round_number: decision.round, reason: decision.reason, retry: decision.retry });
          break;
        }
        case 'sync': {
          const session = this.sessions.get(decision.id);
          if (session !== undefined) void this.sendSync(session);
          break;
        }
        case 'syncAll':
          for (const other of this.sessions.values()) if (other.wire === 'binary') void this.sendSync(other);
          break;
        case 'armTimer':
          this.armTimer(decision.round);
          break;
        case 'close':
          this.close(decision.reason);
          break;
      }
    }
  }

  // --- rounds

  private armTimer(round: number): void {
    clearTimeout(this.roundTimer);
    this.roundTimer = setTimeout(() => {
      this.roundTimer = undefined;
      this.apply(this.rounds.timerFired(round, this.sessions.size));
    }, this.roundTimeoutMs);
    this.roundTimer.unref();
  }

  private close(reason: CloseReason): void {
    clearTimeout(this.roundTimer);
    this.roundTimer = undefined;
    this.closeRound(reason).catch((error: unknown) => {
      this.log(`round ${this.round.number} failed: ${(error as Error).message}`);
      this.options.reporter?.report('failed', { ...this.ownerInfo(), error: (error as Error).message });
      this.rejectDone(error instanceof Error ? error : new Error(String(error)));
    });
  }

  private async closeRound(reason: CloseReason): Promise<void> {
    const round = this.round;
    const combined = this.mistnet !== undefined ? await this.mistnet.combine(round.accepted(), this.global) : { ...(await aggregateClosedRound(round, this.global, this.aggregation)), metrics: undefined };
    for (const rejection of combined.rejected) this.log(`round ${round.number}: left out the update of worker "${rejection.id}": ${rejection.reason}`);
    if (combined.weights !== undefined) this.global = this.sender.asSent(combined.weights);
    else this.log(`round ${round.number}: no update could be aggregated; the global model stays as it was`);
    this.rounds.roundAggregated();
    this.lastTotalSamples = combined.totalSamples;
    const evaluation = await this.evaluateGlobal(round.number);
    const record = roundRecord(round, reason, combined, evaluation, this.lastBroadcastAt);
    const exit = this.completedRounds >= this.exitRound;
    this.history.push(record);
    // The checkpoint goes first: a worker never sees a round the aggregator could forget in a crash.
    await this.writeCheckpoint(false);
    // A model that cannot be written to MODEL_URL still goes to the trainers (and is in the checkpoint).
    let saved: SavedModel | undefined;
    let saveError: Error | undefined;
    if (exit) {
      try {
        saved = await this.saveModel();
      } catch (error) {
        saveError = error instanceof Error ? error : new Error(String(error));
        this.log(`saving the final model to MODEL_URL ${this.options.modelUrl ?? ''} failed: ${saveError.message}; the trainers get it all the same`);
      }
    }
    await this.sender.publish(this.completedRounds, this.global);
    // The next round (and its workers, with client choice) goes out with this round's model.
    this.apply(this.rounds.openNextRound(this.binaryWorkers()));
    const bytesSent = this.broadcast(record, exit);
    this.history[this.history.length - 1] = { ...record, bytesSent };
    this.lastBroadcastAt = performance.now();
    this.log(describeRound(record, reason, this.exitRound) + (bytesSent > 0 ? `, ${formatBytes(bytesSent)} sent` : ''));
    this.roundMetrics.round(record.round, { ...record, bytesSent });
    this.rounds.reopen();
    if (exit) await this.finish(saved, saveError);
    else this.options.reporter?.report('running', this.ownerInfo());
  }

  /** The aggregator's own evaluation of the new global model; a failure is logged, the round goes on. */
  private async evaluateGlobal(round: number): Promise<Metrics | undefined> {
    if (this.global === undefined || this.options.evaluate === undefined) return undefined;
    try {
      return await this.options.evaluate(this.global);
    } catch (error) {
      this.log(`round ${round}: evaluating the global model failed: ${(error as Error).message}`);
      return undefined;
    }
  }

  private async finish(saved?: SavedModel, saveError?: Error): Promise<void> {
    if (this.finished) return;
    let model = saved;
    let error = saveError;
    if (model === undefined && error === undefined) {
      try {
        model = await this.saveModel();
      } catch (failure) {
        error = failure instanceof Error ? failure : new Error(String(failure));
      }
    }
    this.rounds.finished = true;
    // Finished even when MODEL_URL could not be written: the checkpoint holds the final model, and a restart of
    // this worker ends the run again (and tries MODEL_URL again) instead of training from scratch.
    await this.writeCheckpoint(true);
    for (const session of this.sessions.values()) if (session.wire === 'binary') void this.sendSync(session);
    if (error !== undefined) {
      const where = this.options.checkpointUrl === undefined ? '' : ` (the checkpoint ${this.options.checkpointUrl} holds it)`;
      const failure = new Error(`the final model could not be saved to MODEL_URL ${this.options.modelUrl ?? ''}: ${error.message}; the trainers got it${where}`, { cause: error });
      this.log(failure.message);
      this.options.reporter?.report('failed', { ...this.ownerInfo(), error: failure.message });
      this.rejectDone(failure);
      return;
    }
    this.options.reporter?.report('completed', this.ownerInfo(), modelResults(this.history, model));
    this.log(`finished after ${this.completedRounds} round(s)${model ? `; the model is at ${model.url}` : ''}`);
    this.resolveDone({ rounds: this.completedRounds, history: [...this.history], weights: this.global, model });
  }

  private async saveModel(): Promise<SavedModel | undefined> {
    const url = this.options.modelUrl;
    if (url === undefined) return undefined;
    if (this.global === undefined) throw new Error('no round produced a model to save');
    return saveGlobalModel(url, this.global, this.options.estimator);
  }

  private async writeCheckpoint(finished: boolean): Promise<void> {
    const url = this.options.checkpointUrl;
    if (url === undefined) return;
    const optimizer = this.aggregation instanceof ServerOptimizer ? this.aggregation.exportState() : undefined;
    try {
      await saveCheckpoint(url, {
        jobName: this.jobName,
        ...(this.options.jobUid === undefined ? {} : { jobUid: this.options.jobUid }),
        algorithm: this.aggregation.name,
        completedRounds: this.completedRounds,
        finished,
        workerName: this.workerName,
        globalWeights: this.global,
        optimizer,
        history: this.history,
      });
    } catch (error) {
      // A missed checkpoint costs a restart some rounds; it must not stop the job.
      this.log(`writing the checkpoint ${url} failed: ${(error as Error).message}`);
    }
  }

  // --- messages to workers

  private config(): RoundConfig {
    if (this.mistnet !== undefined) return this.mistnet.config();
    const mu = this.aggregation instanceof FedProx ? this.aggregation.proximalMu : 0;
    return mu > 0 ? { algorithm: this.aggregation.name, proximal_mu: mu } : { algorithm: this.aggregation.name };
  }

  private globalHeader(type: GlobalHeader['type'], extra: Partial<GlobalHeader>): GlobalHeader {
    return {
      type,
      client: this.workerName,
      job_name: this.jobName,
      round_number: this.completedRounds,
      total_sample: this.lastTotalSamples,
      exit_flag: this.finished || this.completedRounds >= this.exitRound ? 'ok' : 'continue',
      config: this.config(),
      has_weights: this.global !== undefined,
      ...(this.chooser === undefined ? {} : { selected: this.round.selected === undefined ? null : [...this.round.selected] }),
      ...this.sender.objectField(this.completedRounds, this.global),
      ...extra,
    };
  }

  /** The global model to every worker; returns the bytes sent. */
  private broadcast(record: RoundRecord, exit: boolean): number {
    const header = this.globalHeader('recv_weight', { summary: summarizeRound(record), ...(exit ? { history: this.history.map(summarizeRound) } : {}) });
    return this.sender.broadcast([...this.sessions.values()], header, this.global);
  }

  /** The current model and round to one worker of this lib (on joining, or to put it back in step). */
  private async sendSync(session: ClientSession): Promise<void> {
    const header = this.globalHeader('sync_weight', {
      submitted: this.round.hasAccepted(session.id) && !this.rounds.closing,
      ...(this.finished ? { history: this.history.map(summarizeRound) } : {}),
    });
    this.sender.sync(session, header, this.global);
  }

  // --- reports and HTTP

  private ownerInfo(): Record<string, unknown> {
    const last = this.history.at(-1);
    return {
      currentRound: this.completedRounds,
      exitRound: this.exitRound,
      sampleCount: this.lastTotalSamples,
      participants: [...this.sessions.keys()],
      ...(last === undefined ? {} : { lastRound: last }),
    };
  }

  /** What GET /<aggregation> tells about one connected worker. */
  private clientInfo(id: string): ClientInfo | undefined {
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    return { client_id: id, connected_at: session.connectedAt.toISOString(), info: { wire: session.wire, round: this.round.number, submitted: this.round.hasAccepted(id) } };
  }

  private async waitForWorkersToLeave(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, Math.min(100, timeoutMs)));
  }
}

function chooserOf(choice: AggregationServerOptions['clientChoose']): ClientChoose | undefined {
  if (choice === undefined) return undefined;
  if (typeof choice === 'object' && 'choose' in choice) return choice;
  registerClientChoose();
  return createClientChoose(typeof choice === 'string' ? { method: choice, param: {} } : choice);
}
