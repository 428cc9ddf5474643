/**
 * A watch over the embedded API server's local Unix socket (plain HTTP, the token still sent), in the shape of
 * @kubernetes/client-node's Watch so that its ListWatch runs on it unchanged. The GM's caches see every status write
 * it makes echoed back as a watch event (two thousand a second when a thousand nodes report); over the HTTPS port each
 * one cost a TLS record on both sides, and the client's own watch added a fetch stream and a readline per line.
 */
import * as http from 'node:http';
import type * as k8s from '@kubernetes/client-node';

type WatchCallback = (phase: string, apiObj: unknown, watchObj?: unknown) => void;

export class SocketWatch {
  constructor(
    readonly config: k8s.KubeConfig,
    private readonly socketPath: string,
  ) {}

  /**
   * Starts a watch of `path`; `callback` gets each event, `done` is called once when the stream ends or fails (not
   * after the caller aborts it through the returned controller).
   */
  async watch(path: string, queryParams: Record<string, string | number | boolean | undefined>, callback: WatchCallback, done: (err: unknown) => void): Promise<AbortController> {
    const query = new URLSearchParams({ watch: 'true' });
    for (const [key, value] of Object.entries(queryParams)) if (value !== undefined) query.set(key, String(value));
    // The kubeconfig's credentials (the bearer token) go along: the socket is owner-only, and still authenticated.
    const opts: http.RequestOptions = { headers: { Accept: 'application/json' } };
    await this.config.applyToHTTPSOptions(opts);
    const controller = new AbortController();
    let finished = false;
    const finish = (err: unknown): void => {
      if (finished) return;
      finished = true;
      done(err);
    };
    const req = http.request({ socketPath: this.socketPath, path: `${path}?${query.toString()}`, method: 'GET', headers: opts.headers }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        finish(Object.assign(new Error(`watch ${path}: ${res.statusCode} ${res.statusMessage ?? ''}`.trim()), { statusCode: res.statusCode }));
        return;
      }
      res.setEncoding('utf8');
      let partial = '';
      res.on('data', (chunk: string) => {
        let text = partial + chunk;
        let end = text.indexOf('\n');
        let start = 0;
        while (end >= 0) {
          const line = text.slice(start, end);
          if (line.length > 0) deliver(line, callback);
          start = end + 1;
          end = text.indexOf('\n', start);
        }
        text = text.slice(start);
        partial = text;
      });
      res.on('end', () => finish(null));
      res.on('error', (err) => finish(err));
      res.on('close', () => finish(null));
    });
    req.on('error', (err) => finish(err));
    controller.signal.addEventListener('abort', () => {
      // The caller stopped it: no done callback (ListWatch restarts a watch whose done it hears).
      finished = true;
      req.destroy();
    });
    req.end();
    return controller;
  }
}

function deliver(line: string, callback: WatchCallback): void {
  let event: { type: string; object: unknown };
  try {
    event = JSON.parse(line) as { type: string; object: unknown };
  } catch {
    return; // as client-node's watch: a line that is not JSON is skipped
  }
  callback(event.type, event.object, event);
}
