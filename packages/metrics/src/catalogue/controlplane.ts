/**
 * The control plane's own metrics (the proposal's "the control plane itself"): API requests by verb and resource,
 * open watches, reconciles and queue depth per controller, GM-LC connections, outbox depth and acknowledgement
 * latency per LC. Each factory registers its metrics in the registry it is given.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { TalliedCounter, TalliedHistogram } from '../tally/tally.js';

/** Request latencies from 0.5 ms (a status write on the local socket) to 10 s (a large list under load). */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// The series measured on every API request, reconcile and upstream report are tallied (../tally): a handle adds to
// plain numbers, and prom-client gets the totals at scrape time.
export interface ApiServerMetrics {
  requests: TalliedCounter<'verb' | 'resource' | 'code'>;
  duration: TalliedHistogram<'verb' | 'resource'>;
  watches: Gauge<'resource'>;
}

export function apiServerMetrics(registry: Registry): ApiServerMetrics {
  return {
    requests: new TalliedCounter({ name: 'sedna_apiserver_requests_total', help: 'API requests answered, by verb (get, list, watch, create, update, patch, delete, deletecollection), resource and status class', labelNames: ['verb', 'resource', 'code'], registers: [registry] }),
    duration: new TalliedHistogram({ name: 'sedna_apiserver_request_duration_seconds', help: 'Time to answer an API request (watches: until the first byte), by verb and resource', labelNames: ['verb', 'resource'], buckets: REQUEST_BUCKETS, registers: [registry] }),
    watches: new Gauge({ name: 'sedna_apiserver_watches', help: 'Watches open now, by resource', labelNames: ['resource'], registers: [registry] }),
  };
}

export interface ControllerMetrics {
  reconcileDuration: TalliedHistogram<'controller' | 'result'>;
  queueDepth: Gauge<'controller'>;
}

/** `queueDepths` is read at each scrape. */
export function controllerMetrics(registry: Registry, queueDepths: () => Map<string, number>): ControllerMetrics {
  return {
    reconcileDuration: new TalliedHistogram({ name: 'sedna_gm_reconcile_duration_seconds', help: 'Time of one reconcile, by controller and result (success, error)', labelNames: ['controller', 'result'], buckets: REQUEST_BUCKETS, registers: [registry] }),
    queueDepth: new Gauge({
      name: 'sedna_gm_workqueue_depth',
      help: 'Keys waiting in a controller\'s work queue',
      labelNames: ['controller'],
      registers: [registry],
      collect() {
        for (const [controller, depth] of queueDepths()) this.set({ controller }, depth);
      },
    }),
  };
}

/** What the hub gauges read at each scrape. */
export interface HubNodeFigures {
  node: string;
  connected: boolean;
  ready: boolean | undefined;
  pendingUpstream: number;
  queuedDownstream: number;
}

export interface HubMetrics {
  connectedNodes: Gauge;
  nodeReady: Gauge<'node'>;
  pendingUpstream: Gauge<'node'>;
  queuedDownstream: Gauge<'node'>;
  upstreamMessages: TalliedCounter<'kind'>;
}

export function hubMetrics(registry: Registry, nodes: () => HubNodeFigures[]): HubMetrics {
  const perNode = (name: string, help: string, pick: (n: HubNodeFigures) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['node'],
      registers: [registry],
      collect() {
        this.reset();
        for (const n of nodes()) {
          const v = pick(n);
          if (v !== undefined) this.set({ node: n.node }, v);
        }
      },
    });
  return {
    connectedNodes: new Gauge({
      name: 'sedna_gm_connected_nodes',
      help: 'Local controllers connected to the GM now (GM-LC connections)',
      registers: [registry],
      collect() {
        this.set(nodes().filter((n) => n.connected).length);
      },
    }),
    nodeReady: perNode('sedna_gm_node_ready', '1 when the node is Ready by its heartbeats, 0 when NotReady', (n) => (n.ready === undefined ? undefined : n.ready ? 1 : 0)),
    pendingUpstream: perNode('sedna_gm_upstream_pending', 'Upstream reports of a node received and not yet applied', (n) => n.pendingUpstream),
    queuedDownstream: perNode('sedna_gm_downstream_queued', 'Downstream messages for a node not yet written to its connection', (n) => n.queuedDownstream),
    upstreamMessages: new TalliedCounter({ name: 'sedna_gm_upstream_messages_total', help: 'Upstream reports applied, by resource kind', labelNames: ['kind'], registers: [registry] }),
  };
}

export interface LocalControllerMetrics {
  connected: Gauge;
  outboxDepth: Gauge;
  ackLatency: Histogram;
  pods: Gauge<'phase'>;
  workerReports: Counter<'kind'>;
}

/** What the LC gauges read at each scrape. */
export interface LocalControllerSources {
  pendingUpstream(): number;
  /** The phase of each pod the LC runs. */
  podPhases(): string[];
}

const LC_POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

export function localControllerMetrics(registry: Registry, sources: LocalControllerSources): LocalControllerMetrics {
  return {
    connected: new Gauge({ name: 'sedna_lc_gm_connected', help: '1 while the local controller is connected to the GM', registers: [registry] }),
    outboxDepth: new Gauge({
      name: 'sedna_lc_outbox_depth',
      help: 'Upstream reports in the on-disk outbox not yet acknowledged by the GM',
      registers: [registry],
      collect() {
        this.set(sources.pendingUpstream());
      },
    }),
    ackLatency: new Histogram({ name: 'sedna_lc_upstream_ack_latency_seconds', help: 'From queueing an upstream report to the GM\'s acknowledgement', buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry] }),
    pods: new Gauge({
      name: 'sedna_lc_pods',
      help: 'Pods this local controller runs as processes, by phase',
      labelNames: ['phase'],
      registers: [registry],
      collect() {
        const counts = new Map<string, number>(LC_POD_PHASES.map((p) => [p, 0]));
        for (const phase of sources.podPhases()) counts.set(LC_POD_PHASES.includes(phase) ? phase : 'Unknown', (counts.get(phase) ?? 0) + 1);
        for (const [phase, n] of counts) this.set({ phase }, n);
      },
    }),
    workerReports: new Counter({ name: 'sedna_lc_worker_reports_total', help: 'Reports received from workers on LC_SERVER, by kind of their owner', labelNames: ['kind'], registers: [registry] }),
  };
}
