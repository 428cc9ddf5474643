/**
 * A simulated local controller: a websocket client speaking the channel protocol (hello, heartbeats, upstream
 * reports and their acknowledgements), light enough to run a thousand in one process.
 */
import WebSocket from 'ws';
import { NODE_NAME_HEADER, WIRE_PROTOCOL_VERSION } from '@sedna/api';

export interface SimNode {
  name: string;
  ws: WebSocket;
  nextId: number;
}

export interface SimEvents {
  /** A downstream object arrived (resource name and generation). */
  downstream?(node: string, name: string, generation: number): void;
  ack?(node: string, id: number): void;
  nack?(node: string, id: number, reason: string): void;
}

export function connectSimLc(hubUrl: string, token: string, ca: Buffer, name: string, events: SimEvents): Promise<SimNode> {
  return new Promise((resolvePromise, reject) => {
    const ws = new WebSocket(hubUrl, { headers: { [NODE_NAME_HEADER]: name, Authorization: `Bearer ${token}` }, ca, perMessageDeflate: false });
    const sim: SimNode = { name, ws, nextId: 1 };
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: WIRE_PROTOCOL_VERSION, node: { name, version: 'sim', addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], labels: { 'sedna.io/role': 'edge' } }, outboxEpoch: `sim-${name}` })));
    ws.on('error', reject);
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; id?: number; reason?: string; message?: { header: { resourceName: string }; content: { metadata: { generation?: number } } } };
      if (frame.type === 'resync-end') {
        setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"type":"heartbeat"}'), 5_000).unref();
        resolvePromise(sim);
      } else if (frame.type === 'downstream' && frame.message) {
        events.downstream?.(name, frame.message.header.resourceName, frame.message.content.metadata.generation ?? 0);
      } else if (frame.type === 'nack') {
        events.nack?.(name, frame.id ?? 0, frame.reason ?? '');
      } else if (frame.type === 'ack') {
        events.ack?.(name, frame.id ?? 0);
      }
    });
  });
}

/** Sends one dataset status report per node and round, as an LC's dataset manager would. */
export function sendDatasetReports(sims: readonly SimNode[], rounds: number, datasetOf: (index: number) => string, samples: (round: number) => number): number {
  for (let round = 0; round < rounds; round++) {
    for (const [i, sim] of sims.entries()) {
      const id = sim.nextId++;
      sim.ws.send(JSON.stringify({ type: 'upstream', id, message: { header: { namespace: 'default', resourceKind: 'dataset', resourceName: datasetOf(i), operation: 'status' }, content: { numberOfSamples: samples(round) } } }));
    }
  }
  return rounds * sims.length;
}
