/**
 * The manager's state of each job, kept in one small JSON file per job under the LC's data dir, so the round
 * counter, the sample accounting and the actions already taken survive an LC restart (the original kept the
 * round, the sample count and the eval data file in annotations of its local DB copy). Files are replaced
 * atomically (write, fsync, rename): a crash leaves the old state or the new one, never half of one.
 */
import { readFileSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { checkLedgerState, emptyLedger, type LedgerState } from './sample-ledger.js';

export const STATE_VERSION = 1;

/** Stage actions whose completion is remembered per condition. */
export type StageAction = 'train' | 'eval' | 'deploy' | 'hotUpdate';

export interface JobState {
  version: typeof STATE_VERSION;
  /** The job's uid: a job deleted and created again under the same name starts afresh. */
  uid?: string;
  /** Rounds started (train triggers fired). */
  rounds: number;
  ledger: LedgerState;
  /** The stage mark (round, stage and phase: stageMark of @sedna/api/contracts) each action was last taken for. */
  handled: Partial<Record<StageAction, string>>;
}

export function freshState(uid?: string): JobState {
  return { version: STATE_VERSION, ...(uid !== undefined ? { uid } : {}), rounds: 0, ledger: emptyLedger(), handled: {} };
}

export class JobStateStore {
  constructor(readonly dir: string) {}

  /** `namespace_name.json`: neither a namespace nor a name can hold `_`, so the file name is unambiguous. */
  fileOf(key: string): string {
    return path.join(this.dir, `${key.replace('/', '_')}.json`);
  }

  /** The saved state, undefined when there is none; a damaged file is an error naming it. */
  load(key: string): JobState | undefined {
    const file = this.fileOf(key);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read job state ${file}: ${(error as Error).message}`, { cause: error });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new Error(`job state ${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    return checkState(value, file);
  }

  async save(key: string, state: JobState): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = this.fileOf(key);
    const temporary = `${file}.${process.pid}.tmp`;
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(JSON.stringify(state));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  }

  async remove(key: string): Promise<void> {
    await rm(this.fileOf(key), { force: true });
  }
}

function checkState(value: unknown, file: string): JobState {
  if (value === null || typeof value !== 'object') throw new Error(`job state ${file}: expected a JSON object`);
  const v = value as Record<string, unknown>;
  if (v.version !== STATE_VERSION) throw new Error(`job state ${file}: version ${JSON.stringify(v.version)} is not ${STATE_VERSION}`);
  if (!Number.isInteger(v.rounds) || (v.rounds as number) < 0) throw new Error(`job state ${file}: rounds must be a non-negative integer`);
  if (v.uid !== undefined && typeof v.uid !== 'string') throw new Error(`job state ${file}: uid must be a string`);
  const handled = v.handled;
  if (handled === null || typeof handled !== 'object' || Object.values(handled).some((mark) => typeof mark !== 'string')) {
    throw new Error(`job state ${file}: handled must map actions to condition marks`);
  }
  return { version: STATE_VERSION, ...(v.uid !== undefined ? { uid: v.uid as string } : {}), rounds: v.rounds as number, ledger: checkLedgerState(v.ledger, file), handled: handled as JobState['handled'] };
}
