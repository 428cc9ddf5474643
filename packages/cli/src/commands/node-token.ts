/**
 * Where `sedna join` takes the node token from: a file (owner-only, as the control plane writes it), the environment
 * (SEDNA_NODE_TOKEN), or, deprecated, the command line, which every local user can read in /proc.
 */
import { readFileSync, statSync } from 'node:fs';

export const NODE_TOKEN_ENV = 'SEDNA_NODE_TOKEN';

export interface NodeTokenSources {
  file?: string;
  flag?: string;
  env: NodeJS.ProcessEnv;
  warn: (message: string) => void;
}

export function resolveNodeToken(sources: NodeTokenSources): string {
  if (sources.file !== undefined) {
    const mode = statSync(sources.file).mode & 0o777;
    if ((mode & 0o077) !== 0) throw new Error(`--token-file ${sources.file} is readable by other users (mode ${mode.toString(8)}); chmod 600 it`);
    const token = readFileSync(sources.file, 'utf8').trim();
    if (token === '') throw new Error(`--token-file ${sources.file} is empty`);
    return token;
  }
  const fromEnv = sources.env[NODE_TOKEN_ENV]?.trim();
  if (fromEnv) return fromEnv;
  if (sources.flag !== undefined && sources.flag !== '') {
    sources.warn('--token is deprecated: a command line is readable by every local user (/proc/<pid>/cmdline); use --token-file FILE or SEDNA_NODE_TOKEN');
    return sources.flag;
  }
  throw new Error(`the node token is required: --token-file FILE (the control plane's <data-dir>/node-token) or ${NODE_TOKEN_ENV}`);
}
