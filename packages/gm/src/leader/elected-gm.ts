/**
 * A GM replica under leader election: it holds the GM's port from the start; while it follows, it answers probes
 * (`/healthz` 200, `/healthz/leader` 503, so a Kubernetes Service sends LCs to the leader alone) and redirects
 * LCs (307 to the leader's URL, read from the Lease) for the websocket and the bootstrap; when it wins the Lease it
 * starts the whole GM on that port; when it loses the Lease it stops the GM and calls onLostLeadership (the CLI
 * then exits, as controller-runtime's managers do, and a supervisor restarts it as a follower).
 */
import { hostname } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BOOTSTRAP_PATH } from '@sedna/api';
import { startGlobalManager, type GlobalManagerOptions, type RunningGlobalManager } from '../gm.js';
import { refuseUpgrade } from '../hub/auth.js';
import { KubeClient } from '../runtime/client.js';
import { GmServer } from '../server/gm-server.js';
import { LeaseElector } from './lease-elector.js';
import * as k8s from '@kubernetes/client-node';

export const HUB_URL_ANNOTATION = 'sedna.io/gm-hub-url';

export interface ElectedGlobalManager {
  /** This replica's URL for LCs. */
  hubUrl: string;
  identity: string;
  isLeader(): boolean;
  /** The running GM while leading. */
  gm(): RunningGlobalManager | undefined;
  stop(): Promise<void>;
}

export async function startElectedGlobalManager(options: GlobalManagerOptions & { onLostLeadership?: () => void }): Promise<ElectedGlobalManager> {
  const { config } = options;
  const election = config.leaderElection;
  const log = (msg: string) => (options.log ? options.log('info', msg) : console.log(`[gm] ${msg}`));
  const kc = options.kubeConfig ?? new k8s.KubeConfig();
  if (!options.kubeConfig) {
    if (config.kubeConfig) kc.loadFromFile(config.kubeConfig);
    else kc.loadFromCluster();
  }
  const server = new GmServer(options.tls ? { tls: options.tls } : {});
  const address = await server.listen(config.websocket.address, config.websocket.port);
  const podIp = process.env['POD_IP'];
  const hubUrl = election.advertiseUrl || (podIp ? `${server.tls ? 'wss' : 'ws'}://${podIp}:${address.port}/` : server.url(config.websocket.address));
  const identity = election.identity || process.env['POD_NAME'] || `${hostname()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

  let gm: RunningGlobalManager | undefined;
  let starting: Promise<void> | undefined;
  let leaderUrl: string | undefined;
  let stopped = false;

  // While following: tell LCs where the leader is.
  const redirect = (res: ServerResponse | undefined, socket: Duplex | undefined): void => {
    const target = leaderUrl && leaderUrl !== hubUrl ? leaderUrl : undefined;
    if (socket) {
      if (!target) {
        refuseUpgrade(socket, 503, 'this GM replica is not the leader and knows no leader yet; retry');
        return;
      }
      socket.end(`HTTP/1.1 307 Temporary Redirect\r\nLocation: ${target}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    if (!target) res!.writeHead(503, { 'Content-Type': 'text/plain' }).end('not the leader; no leader known yet\n');
    else res!.writeHead(307, { Location: new URL(BOOTSTRAP_PATH, target.replace(/^ws/, 'http')).href }).end();
  };
  // Stays attached for the replica's life: once the hub has attached its own listener, it answers instead; in the
  // moment between winning the Lease and the hub starting, LCs are told to retry.
  let leading = false;
  const followerUpgrade = (_req: IncomingMessage, socket: Duplex): void => {
    if (server.server.listenerCount('upgrade') > 1) return;
    socket.on('error', () => socket.destroy());
    if (leading) refuseUpgrade(socket, 503, 'this GM replica is starting as the leader; retry');
    else redirect(undefined, socket);
  };
  server.server.on('upgrade', followerUpgrade);
  server.route('/healthz', (_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n'));
  server.route('/healthz/leader', (_req, res) => (gm ? res.writeHead(200, { 'Content-Type': 'text/plain' }).end('leader\n') : res.writeHead(503, { 'Content-Type': 'text/plain' }).end('follower\n')));
  server.route(BOOTSTRAP_PATH, (_req, res) => redirect(res, undefined));

  const client = new KubeClient(kc);
  const elector = new LeaseElector(
    client,
    {
      namespace: election.leaseNamespace,
      name: election.leaseName,
      identity,
      leaseDurationMs: election.leaseDurationSeconds * 1000,
      renewDeadlineMs: election.renewDeadlineSeconds * 1000,
      retryPeriodMs: election.retryPeriodSeconds * 1000,
      leaderAnnotations: { [HUB_URL_ANNOTATION]: hubUrl },
      log,
    },
    {
      onStartedLeading: () => {
        leading = true;
        starting = startGlobalManager({ ...options, kubeConfig: kc, server })
          .then((running) => {
            gm = running;
            log(`leading: local controllers connect to ${hubUrl}`);
          })
          .catch((err: unknown) => {
            log(`the GM failed to start as leader: ${(err as Error).message}`);
            options.onLostLeadership?.();
          });
      },
      onStoppedLeading: () => {
        void (async () => {
          await starting;
          const running = gm;
          gm = undefined;
          leading = false;
          server.route(BOOTSTRAP_PATH, (_req, res) => redirect(res, undefined));
          await running?.stop();
          if (!stopped) options.onLostLeadership?.();
        })();
      },
      onNewLeader: (holder, annotations) => {
        leaderUrl = holder ? annotations[HUB_URL_ANNOTATION] : undefined;
        log(holder ? `the leader is ${holder}${leaderUrl ? ` at ${leaderUrl}` : ''}` : 'no leader');
      },
    },
  );
  // The Lease's namespace on the embedded API exists only once someone makes it.
  if (options.runPodsOnLocalControllers) {
    await client.create('Namespace', '', { metadata: { name: election.leaseNamespace } }).catch(() => undefined);
  }
  elector.start();

  return {
    hubUrl,
    identity,
    isLeader: () => gm !== undefined,
    gm: () => gm,
    stop: async () => {
      stopped = true;
      await starting;
      const running = gm;
      gm = undefined;
      // Stop serving first, then hand the Lease over so a follower takes it at once.
      await running?.stop();
      await elector.stop();
      server.server.off('upgrade', followerUpgrade);
      await server.close();
      client.close();
    },
  };
}
