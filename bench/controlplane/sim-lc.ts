/**
 * A simulated local controller: a websocket client speaking the channel protocol (hello, heartbeats, upstream
 * reports and their acknowledgements), light enough to run a thousand in one process. Like a real LC it reconnects
 * when the GM goes away (the LC's own backoff policy), says hello again and waits for the GM's resync.
 */
import WebSocket from 'ws';
import { NODE_NAME_HEADER, WIRE_PROTOCOL_VERSION } from '@sedna/api';
import { ReconnectBackoff } from '@sedna/lc';

export interface SimNode {
  name: string;
  /** The current connection (a new one after a reconnect). */
  ws: WebSocket;
  nextId: number;
  /** Stops reconnecting and closes the connection. */
  stop(): void;
}

export interface SimEvents {
  /** A downstream object arrived (resource name and generation). */
  downstream?(node: string, name: string, generation: number): void;
  ack?(node: string, id: number): void;
  nack?(node: string, id: number, reason: string): void;
  /** The GM finished its resync of this node (after the first connection and after every reconnect). */
  resynced?(node: string, at: number): void;
}

export function connectSimLc(hubUrl: string, token: string, ca: Buffer, name: string, events: SimEvents): Promise<SimNode> {
  return new Promise((resolvePromise, reject) => {
    const backoff = new ReconnectBackoff();
    let stopped = false;
    let first = true;
    let heartbeat: NodeJS.Timeout | undefined;
    const sim: SimNode = {
      name,
      ws: undefined as unknown as WebSocket,
      nextId: 1,
      stop() {
        stopped = true;
        clearInterval(heartbeat);
        sim.ws.terminate();
      },
    };
    const open = (): void => {
      const ws = new WebSocket(hubUrl, { headers: { [NODE_NAME_HEADER]: name, Authorization: `Bearer ${token}` }, ca, perMessageDeflate: false });
      sim.ws = ws;
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: WIRE_PROTOCOL_VERSION, node: { name, version: 'sim', addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], labels: { 'sedna.io/role': 'edge' } }, outboxEpoch: `sim-${name}` })));
      ws.on('error', (error) => {
        if (first) reject(error);
      });
      ws.on('close', () => {
        clearInterval(heartbeat);
        if (stopped || first) return;
        setTimeout(open, backoff.next());
      });
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { type: string; id?: number; reason?: string; message?: { header: { resourceName: string }; content: { metadata: { generation?: number } } } };
        if (frame.type === 'resync-end') {
          backoff.reset();
          clearInterval(heartbeat);
          heartbeat = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"type":"heartbeat"}'), 5_000);
          heartbeat.unref();
          events.resynced?.(name, performance.now());
          if (first) {
            first = false;
            resolvePromise(sim);
          }
        } else if (frame.type === 'downstream' && frame.message) {
          events.downstream?.(name, frame.message.header.resourceName, frame.message.content.metadata.generation ?? 0);
        } else if (frame.type === 'nack') {
          events.nack?.(name, frame.id ?? 0, frame.reason ?? '');
        } else if (frame.type === 'ack') {
          events.ack?.(name, frame.id ?? 0);
        }
      });
    };
    open();
  });
}

/** One dataset status report from a node, as an LC's dataset manager sends it; returns its id. */
export function sendDatasetReport(sim: SimNode, dataset: string, samples: number): number {
  const id = sim.nextId++;
  sim.ws.send(JSON.stringify({ type: 'upstream', id, message: { header: { namespace: 'default', resourceKind: 'dataset', resourceName: dataset, operation: 'status' }, content: { numberOfSamples: samples } } }));
  return id;
}

/** Sends one dataset status report per node and round, as an LC's dataset manager would. */
export function sendDatasetReports(sims: readonly SimNode[], rounds: number, datasetOf: (index: number) => string, samples: (round: number) => number): number {
  for (let round = 0; round < rounds; round++) {
    for (const [i, sim] of sims.entries()) sendDatasetReport(sim, datasetOf(i), samples(round));
  }
  return rounds * sims.length;
}
