/**
 * `sedna logs --search WORD [--pod P] [-n NS] [--since 1h] [--limit N] [-o json]`: every pod's logs on every node
 * searched for WORD through the control plane (`/sedna/logs/search`), printed as they arrive:
 *   TIME  NODE  NAMESPACE/POD  LINE
 * (a time from the line itself, or `<=TIME`: the line was written at or before its file's last write).
 */
import https from 'node:https';
import http from 'node:http';
import * as k8s from '@kubernetes/client-node';

export interface LogSearchOptions {
  word: string;
  pod?: string;
  namespace?: string;
  since?: string;
  limit?: number;
  json: boolean;
}

/** Parses the arguments after `logs`; undefined when there is no --search (plain kubectl logs). */
export function parseLogSearchArgs(args: string[]): LogSearchOptions | undefined {
  if (!args.some((a) => a === '--search' || a.startsWith('--search='))) return undefined;
  const options: Partial<LogSearchOptions> & { json: boolean } = { json: false };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.includes('=') ? [args[i]!.slice(0, args[i]!.indexOf('=')), args[i]!.slice(args[i]!.indexOf('=') + 1)] : [args[i]!, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--search':
        options.word = value();
        break;
      case '--pod':
        options.pod = value();
        break;
      case '-n':
      case '--namespace':
        options.namespace = value();
        break;
      case '--since':
        options.since = value();
        break;
      case '--limit': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new Error(`--limit must be a positive integer`);
        options.limit = n;
        break;
      }
      case '-o':
      case '--output': {
        const o = value();
        if (o !== 'json') throw new Error(`--output for a log search is json (one match per line) or absent, got ${o}`);
        options.json = true;
        break;
      }
      default:
        throw new Error(`unknown argument for sedna logs --search: ${args[i]} (use --pod, -n, --since, --limit, -o json)`);
    }
  }
  return options as LogSearchOptions;
}

export async function searchLogs(kubeconfig: string | undefined, options: LogSearchOptions, out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  const kc = new k8s.KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no cluster in the kubeconfig');
  const query = new URLSearchParams({ q: options.word, ...(options.pod ? { pod: options.pod } : {}), ...(options.namespace ? { namespace: options.namespace } : {}), ...(options.since ? { since: options.since } : {}), ...(options.limit ? { limit: String(options.limit) } : {}) });
  const url = new URL(`/sedna/logs/search?${query}`, cluster.server);
  const requestOptions: https.RequestOptions = { method: 'GET', headers: {} };
  await kc.applyToHTTPSOptions(requestOptions);
  let errors = 0;
  await new Promise<void>((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(url, requestOptions, (res) => {
      if (res.statusCode !== 200) {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => reject(new Error(`the control plane answered ${res.statusCode}: ${text.trim()}`)));
        return;
      }
      let buffer = '';
      const emit = (raw: string) => {
        if (!raw.trim()) return;
        const m = JSON.parse(raw) as { node: string; namespace?: string; pod?: string; time?: string; timeFrom?: string; line?: string; error?: string };
        if (m.error !== undefined) {
          errors++;
          console.error(`sedna: node ${m.node}: ${m.error}`);
          return;
        }
        out(options.json ? raw : `${m.timeFrom === 'file' ? '<=' : ''}${m.time}  ${m.node}  ${m.namespace}/${m.pod}  ${m.line}`);
      };
      res.on('data', (c: Buffer) => {
        buffer += c.toString();
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          emit(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
        }
      });
      res.on('end', () => {
        emit(buffer);
        resolve();
      });
    });
    req.on('error', reject);
    req.end();
  });
  return errors > 0 ? 1 : 0;
}
