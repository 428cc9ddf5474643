/**
 * The LC's listening ports, kept in its data folder so that a restarted LC listens where it did before: running
 * workers keep the LC_SERVER they were started with, and the node API stays where the control plane knows it.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StablePorts {
  reportPort?: number;
  nodeApiPort?: number;
}

const FILE = 'ports.json';

function validPort(value: unknown): number | undefined {
  return Number.isInteger(value) && (value as number) > 0 && (value as number) < 65536 ? (value as number) : undefined;
}

/** The ports of the last start, or none (first start, or a file that is not ours). */
export function readStablePorts(dataDir: string): StablePorts {
  const path = join(dataDir, FILE);
  if (!existsSync(path)) return {};
  try {
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const reportPort = validPort(saved['reportPort']);
    const nodeApiPort = validPort(saved['nodeApiPort']);
    return { ...(reportPort ? { reportPort } : {}), ...(nodeApiPort ? { nodeApiPort } : {}) };
  } catch {
    return {};
  }
}

export function writeStablePorts(dataDir: string, ports: Required<StablePorts>): void {
  const path = join(dataDir, FILE);
  writeFileSync(`${path}.partial`, `${JSON.stringify(ports)}\n`, { mode: 0o600 });
  renameSync(`${path}.partial`, path);
}

/**
 * The port to listen on: an explicit non-zero port as given; for "any" (0 or unset with no default), the port of the
 * last start when there is one.
 */
export function choosePort(explicit: number | undefined, saved: number | undefined, fallback: number): number {
  if (explicit !== undefined && explicit !== 0) return explicit;
  if (explicit === 0) return saved ?? 0;
  return saved ?? fallback;
}
