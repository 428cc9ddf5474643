/**
 * `sedna flow run graph.toml`: runs a graph of functional units (ModelBox's format) as this process, the way a
 * Sedna worker's `command` does; the worker's environment (MODEL_URL, HEM_NAME, BIG_MODEL_IP, ...) gives the units'
 * option defaults. `sedna flow check` validates a graph; `sedna flow units` prints the unit catalogue (ModelBox's
 * flow-info shape, what the console's composer reads).
 */
import { createServer, type Server } from 'node:http';
import type { Command } from 'commander';
import { workerRegistry } from '@sedna/lib/metrics';
import { workerEventReporterFromEnv } from '@sedna/lib/reporter';
import { handleMetricsRequest, isMetricsRequest } from '@sedna/metrics';
import { builtinRegistry, Flow, FlowGraphError, loadGraphFile, type FlowEvent } from '@sedna/lib/flow';

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} [flow] ${line}\n`);
}

/** `--set node.option=value` into environment-free overrides: they are applied to the graph file's node attributes. */
function parseSets(sets: readonly string[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const set of sets) {
    const match = /^([^.=]+)\.([^=]+)=(.*)$/s.exec(set);
    if (!match) throw new Error(`--set ${JSON.stringify(set)}: expected node.option=value`);
    const [, node, key, value] = match as unknown as [string, string, string, string];
    out.set(node, { ...(out.get(node) ?? {}), [key]: value });
  }
  return out;
}

function serveMetrics(flow: Flow, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (isMetricsRequest(req)) handleMetricsRequest(flow.metrics.registry, req, res);
    else if (req.url === '/flow') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ graph: flow.graph.name, ...flow.metrics.snapshot(), events: flow.events.slice(-100) }));
    else if (req.url === '/healthz') res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    else res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export async function runFlow(file: string, options: { set?: string[]; metricsPort?: number; metricsHost?: string; progressSeconds?: number; keepRunning?: boolean }): Promise<number> {
  const overrides = parseSets(options.set ?? []);
  const { graph } = await loadGraphFile(file, { env: process.env, ...(overrides.size ? { attributes: overrides } : {}) });
  log(`graph ${graph.name}: ${graph.nodes.length} nodes, ${graph.edges.length} edges (${graph.nodes.map((n) => `${n.name}:${n.unit?.description.name ?? n.role}`).join(' ')})`);
  // As a Sedna worker (LC_SERVER, JOB_NAME set), the flow's events (an item a unit failed on, a model swapped in)
  // also go to the LC with the worker's reports and become Kubernetes Events on its Pod, repeats counted.
  const events = workerEventReporterFromEnv(process.env, { onError: (e) => log(`event report failed, will retry: ${(e as Error).message}`) });
  const onEvent = (e: FlowEvent): void => events?.record(e.type, e.reason, `flow ${graph.name}, node ${e.node}: ${e.summary}`);
  // The worker's registry: served where its environment says (the LC's socket), and on --metrics-port.
  const flow = await Flow.open(graph, { env: process.env, log, onEvent, metricsRegistry: workerRegistry(process.env, log) });
  const server = options.metricsPort !== undefined ? await serveMetrics(flow, options.metricsPort, options.metricsHost ?? '127.0.0.1') : undefined;
  if (server) {
    const address = server.address();
    log(`metrics on http://${options.metricsHost ?? '127.0.0.1'}:${typeof address === 'object' && address ? address.port : options.metricsPort}/metrics`);
  }
  const stop = (): void => {
    log('stopping: ending the stream at its sources');
    void flow.stop();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Long streams show progress: items through each unit now and then.
  const progress = setInterval(() => {
    const units = flow.metrics.snapshot().units.filter((u) => u.itemsIn + u.itemsOut > 0);
    log(`progress: ${units.map((u) => `${u.node} ${u.itemsOut || u.itemsIn}${u.errors ? ` (${u.errors} failed)` : ''}`).join(', ')}`);
  }, (options.progressSeconds ?? 30) * 1000);
  progress.unref();
  try {
    await flow.start();
    log(`the stream ended: ${flow.metrics.snapshot().units.map((u) => `${u.node} ${u.itemsIn} in, ${u.itemsOut} out${u.errors ? `, ${u.errors} failed` : ''}`).join('; ')}`);
    if (options.keepRunning && !flow.stopping) {
      // A service's worker that exits is started again (and would stream again): stay until told to stop.
      log('staying up until SIGTERM (--keep-running)');
      // A pending promise alone does not keep node running: a timer does, until the signal.
      const alive = setInterval(() => undefined, 1 << 30);
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', () => resolve());
        process.once('SIGINT', () => resolve());
      });
      clearInterval(alive);
    }
    return 0;
  } catch (error) {
    log(`failed: ${(error as Error).message}`);
    return 1;
  } finally {
    clearInterval(progress);
    server?.close();
    await events?.stop();
  }
}

/** Adds `sedna flow run|check|units`. */
export function registerFlowCommand(program: Command): void {
  const flow = program.command('flow').description('graphs of functional units in ModelBox\'s format, run as a Sedna worker');
  flow
    .command('run <graph>')
    .description('run a graph (graph TOML with a Graphviz graphconf) until its stream ends or SIGTERM')
    .option('--set <node.option=value...>', 'set a node\'s option, over the graph file', [])
    .option('--metrics-port <port>', 'serve /metrics (Prometheus) and /flow (JSON) on this port (0: any)')
    .option('--metrics-host <address>', 'address of the metrics server', '127.0.0.1')
    .option('--progress-seconds <s>', 'how often to log the items through each unit', '30')
    .option('--keep-running', 'after the stream ends, stay up until SIGTERM (the worker of a service)', false)
    .action(async (graph: string, o: { set: string[]; metricsPort?: string; metricsHost: string; progressSeconds: string; keepRunning: boolean }) => {
      const code = await runFlow(graph, { set: o.set, metricsHost: o.metricsHost, progressSeconds: Number(o.progressSeconds), keepRunning: o.keepRunning, ...(o.metricsPort !== undefined ? { metricsPort: Number(o.metricsPort) } : {}) });
      process.exit(code);
    });
  flow
    .command('check <graph>')
    .description('check a graph: units, ports, types, options, cycles')
    .action(async (graph: string) => {
      try {
        const { graph: built } = await loadGraphFile(graph, { env: process.env });
        console.log(`${graph}: ok (${built.nodes.length} nodes, ${built.edges.length} edges)`);
      } catch (error) {
        if (!(error instanceof FlowGraphError)) throw error;
        console.error(error.message);
        process.exit(1);
      }
    });
  flow
    .command('units')
    .description('print the built-in units as JSON (ports, options, defaults)')
    .action(() => console.log(JSON.stringify(builtinRegistry().describe(), null, 1)));
}
