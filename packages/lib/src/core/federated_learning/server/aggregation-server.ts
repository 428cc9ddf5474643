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
import type { AlgorithmSpec } from '../../../common/config.js';
import type { S3Transmitter } from '../../../transmitter/s3-transmitter.js';
import type { Estimator, Metrics, WeightTensor } from '../../estimator.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from '../checkpoint.js';
import { WeightsEncoder, decodeFrame } from '../frames.js';
import { weightsFromNested } from '../json-weights.js';
import { stderrLog, type LogLine } from '../log.js';
import { saveGlobalModel, type SavedModel } from '../model-output.js';
import {
  DEFAULT_AGG_PORT,
  ProtocolError,
  isObject,
  parseSampleCount,
  parseFeaturesHeader,
  parseSubscribe,
  parseUpdateHeader,
  summarizeRound,
  type ClientMetrics,
  type GlobalHeader,
  type RoundConfig,
  type RoundRecord,
} from '../protocol.js';
import type { FederatedReporter } from '../report.js';
import { cloneWeights, shapeMismatch, unusableWeights } from '../structure.js';
import { callerRefusal, RefusalLog } from './caller-auth.js';
import { clientInfoHandler, type ClientInfo } from './client-info.js';
import { combineRound, weightedMetric } from './combine.js';
import { GlobalModelSender } from './global-sender.js';
import { MistNetRounds, type MistNetTraining } from './mistnet-rounds.js';
import { OpenRound, type CloseReason } from './open-round.js';
import { modelResults } from './results.js';
import { describeRound, formatBytes } from './round-log.js';
import { federatedLearningRecorder } from '../../../metrics/recorders.js';
import { ClientSession } from './session.js';
import { DEFAULT_MAX_DEPTH, jsonDepth } from '@sedna/api/guard';

export interface AggregationServerOptions {
  /** The strategy: a registry name, a method dict `{method, param}`, or an instance. */
  aggregation: string | AlgorithmSpec | Aggregation;
  /** Training workers per round (PARTICIPANTS_COUNT). */
  participantsCount: number;
  /** Rounds to run (`exit_round`). */
  exitRound: number;
  /** Usable updates a round needs to end by timeout (default 1). */
  minClients?: number;
  /** How long after its first update a round waits for the others (default 600 s). */
  roundTimeoutMs?: number;
  /**
   * Client choice: which connected workers of this lib train each round (SimpleClientChoose, FractionClientChoose);
   * a name, a method dict or an instance. Default: every worker, every round.
   */
  clientChoose?: string | AlgorithmSpec | ClientChoose;
  /** Bind address (default 127.0.0.1; the GM gives AGG_BIND_IP) and port (default 7363; 0 picks a free one). */
  host?: string;
  port?: number;
  jobName?: string;
  /** The job's uid (SEDNA_JOB_UID): a checkpoint of another uid, an earlier job of the same name, is not resumed. */
  jobUid?: string;
  workerName?: string;
  /**
   * The job's credential (SEDNA_JOB_CREDENTIAL): every caller, websocket or HTTP, must present it (caller-auth.ts).
   * None: the server is open, as the original's.
   */
  credential?: string;
  /** The model the first round starts from; default: the estimator's weights, else the workers' own. */
  initialWeights?: readonly WeightTensor[];
  /** Saves the final model in the estimator's format (or ONNX for a `.onnx` MODEL_URL). */
  estimator?: Estimator;
  /** Evaluates each new global model (the aggregator's own test data): its loss and accuracy go into the records. */
  evaluate?: (weights: readonly WeightTensor[]) => Promise<Metrics>;
  /** Where the final model goes (MODEL_URL); none: it is not saved. */
  modelUrl?: string;
  /** Where the state goes after each round; none: no checkpoints. */
  checkpointUrl?: string;
  /** Weights through objects under AGG_DATA_PATH instead of websocket frames. */
  s3?: S3Transmitter;
  reporter?: FederatedReporter;
  log?: LogLine;
  /**
   * A codec for the global model sent to workers (`Float16`, `Int8Linear`); default none (float32). The aggregator
   * then keeps the decoded model as its global one, so that it and the workers hold the same numbers.
   */
  broadcastCompression?: AlgorithmSpec | string;
  /** MistNet: how the cloud trains the layers after the cut (default 5 epochs of batch 32) and the clipping bound (4). */
  mistnet?: MistNetTraining;
  /** Largest frame accepted (default 512 MiB). */
  maxPayloadBytes?: number;
  /** After the last round, how long run() waits for workers to disconnect (default 30 s). */
  lingerMs?: number;
  /**
   * Websocket ping period (default 15 s). A worker that answers none of 4 pings in a row is dropped: a crashed
   * process closes its connection at once, so pings only find lost networks, and a worker busy in a long training
   * step must not be taken for one.
   */
  pingIntervalMs?: number;
}

export interface FederatedResult {
  readonly rounds: number;
  readonly history: readonly RoundRecord[];
  readonly weights: readonly WeightTensor[] | undefined;
  readonly model: SavedModel | undefined;
}

export interface AggregatorStatus {
  readonly completedRounds: number;
  readonly exitRound: number;
  readonly finished: boolean;
  readonly connected: readonly string[];
  readonly openRound: { readonly number: number; readonly answered: number; readonly usable: number };
  readonly history: readonly RoundRecord[];
  readonly resumedFrom: number | undefined;
}

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
  private completedRounds = 0;
  private global: WeightTensor[] | undefined;
  private lastTotalSamples = 0;
  private history: RoundRecord[] = [];
  private readonly roundMetrics = federatedLearningRecorder();
  private round = new OpenRound(1);
  private closing = false;
  private finished = false;
  private stopped = false;
  private resumedFrom: number | undefined;
  private lastBroadcastAt = performance.now();
  private resolveDone!: (result: FederatedResult) => void;
  private rejectDone!: (error: Error) => void;

  constructor(private readonly options: AggregationServerOptions) {
    registerAggregations();
    this.aggregation = typeof options.aggregation === 'object' && 'aggregate' in options.aggregation ? options.aggregation : createAggregation(specOf(options.aggregation));
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
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // run() and tests await `done`; a failure nobody awaits must not crash the process as unhandled.
    this.done.catch(() => undefined);
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
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.pingTimer);
    clearTimeout(this.roundTimer);
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
    const reason = checkpoint === undefined ? undefined : this.whyNotResume(checkpoint);
    if (checkpoint !== undefined && reason === undefined) {
      this.completedRounds = checkpoint.completedRounds;
      this.global = checkpoint.globalWeights === undefined ? undefined : [...checkpoint.globalWeights];
      this.history = [...checkpoint.history];
      this.lastTotalSamples = this.history.at(-1)?.totalSamples ?? 0;
      if (checkpoint.optimizer !== undefined && this.aggregation instanceof ServerOptimizer) this.aggregation.restoreState(checkpoint.optimizer);
      else if (this.global !== undefined && isStateful(this.aggregation)) this.aggregation.setGlobalWeights(this.global);
      this.resumedFrom = this.completedRounds;
      this.round = new OpenRound(this.completedRounds + 1);
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

  private whyNotResume(checkpoint: Checkpoint): string | undefined {
    // A finished run is over, unless this very worker finished it and its process was restarted after the last round
    // (the pod's restart policy after a crash): its training workers got the last result and are gone, so starting
    // over would wait for them for ever.
    // Another uid: an earlier job of the same name (deleted and created again); this one starts fresh.
    const uid = this.options.jobUid;
    if (uid !== undefined && checkpoint.jobUid !== undefined && checkpoint.jobUid !== uid) return `it belongs to an earlier job of the same name (uid ${checkpoint.jobUid}; this job's is ${uid})`;
    if (uid !== undefined && checkpoint.jobUid === undefined && checkpoint.workerName !== this.workerName) return 'it names no job uid, and another aggregation worker wrote it';
    if (checkpoint.finished && !(this.workerName !== DEFAULT_WORKER_NAME && checkpoint.workerName === this.workerName)) return 'it belongs to a run that finished';
    if (checkpoint.jobName !== this.jobName) return `it belongs to job "${checkpoint.jobName}"`;
    if (checkpoint.algorithm !== this.aggregation.name) return `it was written by ${checkpoint.algorithm}, this run uses ${this.aggregation.name}`;
    const initial = this.options.initialWeights ?? this.options.estimator?.getWeights();
    if (initial !== undefined && checkpoint.globalWeights !== undefined) {
      const problem = shapeMismatch(initial, checkpoint.globalWeights);
      if (problem !== undefined) return `its model differs from this one (${problem})`;
    }
    return undefined;
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

  private async receive(socket: WebSocket, bytes: Buffer, isBinary: boolean): Promise<void> {
    const session = this.sessionOf.get(socket);
    if (isBinary) {
      if (session === undefined) throw new ProtocolError('a binary frame before subscribing');
      let frame;
      try {
        frame = decodeFrame(bytes);
      } catch (error) {
        this.refuse(session, this.round.number, (error as Error).message, true);
        return;
      }
      if (frame.header['type'] === 'upload_features') {
        this.receiveFeatures(session, frame.header, frame.weights, bytes.length);
        return;
      }
      if (frame.header['type'] !== 'update_weight') throw new ProtocolError(`unexpected binary frame of type ${JSON.stringify(frame.header['type'])}`);
      if (this.mistnet !== undefined) {
        this.refuse(session, this.round.number, 'this aggregator runs MistNet: workers send features, not weights', false);
        return;
      }
      await this.receiveUpdate(session, frame.header, frame.weights, bytes.length);
      return;
    }
    let message: unknown;
    const text = bytes.toString('utf8');
    const depth = jsonDepth(text);
    if (depth > DEFAULT_MAX_DEPTH) {
      if (session !== undefined) this.refuse(session, this.round.number, `its message is nested ${depth} levels deep (at most ${DEFAULT_MAX_DEPTH})`, true);
      else this.log(`a message nested ${depth} levels deep from a worker that has not subscribed`);
      return;
    }
    try {
      message = JSON.parse(text);
    } catch (error) {
      // The original's workers serialise NaN as a bare NaN, which is not JSON: name the worker and go on.
      if (session !== undefined) this.refuse(session, this.round.number, `its message is not valid JSON (${(error as Error).message})`, true);
      else this.log(`a message that is not JSON from a worker that has not subscribed: ${(error as Error).message}`);
      return;
    }
    if (!isObject(message)) throw new ProtocolError('a message must be a JSON object');
    switch (message['type']) {
      case 'subscribe':
        this.subscribe(socket, message);
        return;
      case 'update_weight':
        if (session === undefined) throw new ProtocolError('update_weight before subscribing');
        await this.receiveJsonUpdate(session, message, bytes.length);
        return;
      default:
        // The original broadcast messages of any other type as they are.
        for (const other of this.sessions.values()) other.sendText(bytes.toString('utf8'));
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
    if (session.wire !== 'binary') return;
    if (this.chooser !== undefined && this.round.selected === undefined && !this.closing && !this.finished && this.choose(this.round)) {
      // Enough workers to choose from at last: everyone hears who trains this round.
      for (const other of this.sessions.values()) if (other.wire === 'binary') void this.sendSync(other);
      return;
    }
    void this.sendSync(session);
  }

  // --- updates

  private async receiveJsonUpdate(session: ClientSession, message: Record<string, unknown>, bytes: number): Promise<void> {
    if (message['object'] !== undefined) {
      // A worker of this lib with the S3 transmitter: the header names the object that holds the weights.
      const header = parseUpdateHeader(message);
      const s3 = this.options.s3;
      if (s3 === undefined) {
        this.refuse(session, header.round_number, 'it sent weights through S3, but this aggregator uses the websocket transmitter', false);
        return;
      }
      let weights: WeightTensor[];
      let objectBytes: number;
      try {
        const got = await s3.recv(header.object!, { timeoutMs: 30_000, pollMs: 100 });
        weights = [...got.weights];
        objectBytes = encodedSize(weights);
      } catch (error) {
        this.refuse(session, header.round_number, `its weights object cannot be read: ${(error as Error).message}`, true);
        return;
      }
      await this.receiveUpdate(session, message, weights, bytes + objectBytes);
      return;
    }
    // The original's message: {client, data: {num_samples, weights}, job_name}, for the round being collected.
    const data = message['data'];
    let weights: WeightTensor[];
    let numSamples: number;
    try {
      if (!isObject(data)) throw new ProtocolError('update_weight: "data" must be an object');
      numSamples = parseSampleCount(data['num_samples'], 'update_weight data');
      weights = weightsFromNested(data['weights'], this.global?.map((tensor) => tensor.name));
    } catch (error) {
      this.refuse(session, this.round.number, (error as Error).message, true);
      return;
    }
    this.admit(session, { round: this.round.number, numSamples, weights, metrics: undefined, delta: false, named: false }, bytes);
  }

  private async receiveUpdate(session: ClientSession, rawHeader: Record<string, unknown>, weights: WeightTensor[] | undefined, bytes: number): Promise<void> {
    let header;
    try {
      header = parseUpdateHeader(rawHeader);
      if (header.client !== session.id) throw new ProtocolError(`update_weight: "client" is "${header.client}" but the connection subscribed as "${session.id}"`);
      if (weights === undefined) throw new ProtocolError('update_weight carries no weights');
    } catch (error) {
      this.refuse(session, this.round.number, (error as Error).message, true);
      return;
    }
    this.admit(session, { round: header.round_number, numSamples: header.num_samples, weights, metrics: header.metrics, delta: header.delta ?? false, named: true }, bytes);
  }

  /** MistNet: a worker's features and labels for the round. */
  private receiveFeatures(session: ClientSession, rawHeader: Record<string, unknown>, tensors: WeightTensor[] | undefined, bytes: number): void {
    const round = this.round.number;
    if (this.mistnet === undefined) {
      this.refuse(session, round, `this aggregator runs ${this.aggregation.name}, not MistNet: workers send weights`, false);
      return;
    }
    let header;
    try {
      header = parseFeaturesHeader(rawHeader);
      if (header.client !== session.id) throw new ProtocolError(`upload_features: "client" is "${header.client}" but the connection subscribed as "${session.id}"`);
    } catch (error) {
      this.refuse(session, round, (error as Error).message, true);
      return;
    }
    if (this.finished || this.closing || header.round_number !== round) {
      this.refuse(session, header.round_number, `round ${header.round_number} is not the open round ${round}`, false);
      if (this.finished) void this.sendSync(session);
      return;
    }
    const features = this.mistnet.readFeatures(tensors, header.num_samples);
    if (typeof features === 'string') return this.refuse(session, round, features, true, bytes);
    this.round.answer(session.id, { kind: 'accepted', update: { id: session.id, numSamples: header.num_samples, weights: [], metrics: undefined, named: true, features } }, bytes);
    this.armTimer();
    this.tryClose();
  }

  /** Checks one update and records it as the worker's answer for the round, or refuses it. */
  private admit(
    session: ClientSession,
    update: { round: number; numSamples: number; weights: WeightTensor[]; metrics: ClientMetrics | undefined; delta: boolean; named: boolean },
    bytes: number,
  ): void {
    const id = session.id;
    if (this.mistnet !== undefined) {
      this.refuse(session, update.round, 'this aggregator runs MistNet: workers send features, not weights', false);
      return;
    }
    if (this.finished || this.closing || update.round < this.round.number) {
      this.refuse(session, update.round, `round ${update.round} is already closed`, false);
      if (this.finished) void this.sendSync(session);
      return;
    }
    if (update.round > this.round.number) {
      this.log(`worker "${id}" sent an update for round ${update.round} while round ${this.round.number} is open; sending it the current model`);
      void this.sendSync(session);
      return;
    }
    if (this.chooser !== undefined && !this.round.selected?.has(id)) {
      this.refuse(session, update.round, `it was not chosen for round ${update.round}`, false);
      return;
    }
    const unusable = unusableWeights(id, update.weights);
    if (unusable !== undefined) return this.refuse(session, update.round, unusable, true, bytes);
    let weights = update.weights;
    if (this.global !== undefined) {
      const mismatch = shapeMismatch(this.global, weights);
      if (mismatch !== undefined) return this.refuse(session, update.round, mismatch, true, bytes);
      if (update.delta) weights = addDelta(this.global, weights);
    } else if (update.delta) {
      return this.refuse(session, update.round, 'it sent a difference to a global model, but there is none yet', true, bytes);
    }
    this.round.answer(id, { kind: 'accepted', update: { id, numSamples: update.numSamples, weights, metrics: update.metrics, named: update.named } }, bytes);
    this.armTimer();
    this.tryClose();
  }

  /** Refuses a worker's update: logged with its name; the worker hears why (and whether to train again). */
  private refuse(session: ClientSession, round: number, reason: string, retry: boolean, bytes = 0): void {
    this.log(`round ${round}: refused the update of worker "${session.id}": ${reason}`);
    if (round === this.round.number && !this.closing && !this.finished && retry) {
      this.round.answer(session.id, { kind: 'rejected', reason }, bytes);
      this.armTimer();
    }
    session.sendJson({ type: 'reject_weight', client: session.id, round_number: round, reason, retry });
    this.tryClose();
  }

  // --- rounds

  private armTimer(): void {
    if (this.roundTimer !== undefined) return;
    const round = this.round;
    this.roundTimer = setTimeout(() => {
      this.roundTimer = undefined;
      if (round !== this.round || this.closing) return;
      round.timedOut = true;
      if (round.closeReason(...this.quorum()) === undefined) {
        this.log(
          `round ${round.number}: ${round.accepted().length} usable update(s) of the ${this.minClients} needed after ${this.roundTimeoutMs / 1000} s ` +
            `(${this.sessions.size} worker(s) connected); still waiting`,
        );
        this.armTimer();
        return;
      }
      this.tryClose();
    }, this.roundTimeoutMs);
    this.roundTimer.unref();
  }

  /** Answers the open round waits for, and usable updates it needs to end by timeout. */
  private quorum(): [participants: number, minUsable: number] {
    const participants = this.round.selected?.size ?? this.participants;
    return [participants, Math.min(this.minClients, participants)];
  }

  /**
   * Client choice for `round` among the connected workers of this lib; false when there are too few to choose
   * from yet (the choice is made again as workers join).
   */
  private choose(round: OpenRound): boolean {
    if (this.chooser === undefined) return false;
    const available = [...this.sessions.values()].filter((session) => session.wire === 'binary').map((session) => session.id);
    const picked = this.chooser.choose(available);
    if (picked.length === 0) {
      this.log(`round ${round.number}: ${available.length} worker(s) connected, ${this.chooser.name} needs ${this.chooser.minAvailable} to choose from; waiting`);
      return false;
    }
    round.selected = new Set(picked);
    this.log(`round ${round.number}: ${this.chooser.name} chose ${picked.length} of ${available.length} worker(s)`);
    return true;
  }

  private tryClose(): void {
    if (this.closing || this.finished || this.stopped) return;
    const reason = this.round.closeReason(...this.quorum());
    if (reason === undefined) return;
    this.closing = true;
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
    const combined = this.mistnet !== undefined ? await this.mistnet.combine(round.accepted(), this.global) : { ...(await combineRound(round.accepted(), this.global, this.aggregation)), metrics: undefined };
    for (const rejection of combined.rejected) this.log(`round ${round.number}: left out the update of worker "${rejection.id}": ${rejection.reason}`);
    const rejected = [...round.rejected(), ...combined.rejected];
    if (combined.weights !== undefined) this.global = this.sender.asSent(combined.weights);
    else this.log(`round ${round.number}: no update could be aggregated; the global model stays as it was`);
    this.completedRounds = round.number;
    this.lastTotalSamples = combined.totalSamples;
    const evaluation = await this.evaluateGlobal(round.number);
    const now = performance.now();
    const record: RoundRecord = {
      round: round.number,
      samples: Object.fromEntries(combined.used.map((update) => [update.id, update.numSamples])),
      totalSamples: combined.totalSamples,
      accepted: combined.used.map((update) => update.id),
      rejected,
      aggregated: combined.weights !== undefined,
      closedBy: reason,
      ...optionalNumber('trainLoss', combined.metrics?.['loss'] ?? weightedMetric(combined.used, 'loss')),
      ...optionalNumber('trainAccuracy', combined.metrics?.['accuracy'] ?? weightedMetric(combined.used, 'accuracy')),
      ...optionalNumber('loss', evaluation?.['loss']),
      ...optionalNumber('accuracy', evaluation?.['accuracy']),
      bytesReceived: round.bytesReceived,
      bytesSent: 0,
      aggregationMs: combined.aggregationMs,
      collectMs: now - (round.firstAnswerAt ?? now),
      durationMs: now - this.lastBroadcastAt,
    };
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
    this.round = new OpenRound(this.completedRounds + 1);
    if (!exit) this.choose(this.round);
    const bytesSent = this.broadcast(record, exit);
    this.history[this.history.length - 1] = { ...record, bytesSent };
    this.lastBroadcastAt = performance.now();
    this.log(describeRound(record, reason, this.exitRound) + (bytesSent > 0 ? `, ${formatBytes(bytesSent)} sent` : ''));
    this.roundMetrics.round(record.round, { ...record, bytesSent });
    this.closing = false;
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
    this.finished = true;
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
      submitted: this.round.hasAccepted(session.id) && !this.closing,
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

function specOf(aggregation: string | AlgorithmSpec): AlgorithmSpec {
  return typeof aggregation === 'string' ? { method: aggregation, param: {} } : aggregation;
}

function addDelta(global: readonly WeightTensor[], delta: readonly WeightTensor[]): WeightTensor[] {
  return delta.map((tensor, index) => {
    const base = global[index]!.data;
    const data = new Float32Array(tensor.data.length);
    for (let position = 0; position < data.length; position++) data[position] = base[position]! + tensor.data[position]!;
    return { name: tensor.name, shape: tensor.shape, data };
  });
}

function encodedSize(weights: readonly WeightTensor[]): number {
  return weights.reduce((sum, tensor) => sum + 4 * tensor.data.length, 0);
}

function optionalNumber<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined || !Number.isFinite(value) ? {} : { [key]: value }) as { [P in K]?: number };
}

