/**
 * Marks written before the stage status was bounded. An LC of that time remembered each action by the condition it
 * was taken for as `<count of conditions>:<Stage>/<Type>@<lastTransitionTime>`; now a mark is stageMark's
 * `<round>:<Stage>/<Type>`. A job running across the upgrade would find no mark of the new form for its current
 * condition and take its current action a second time, so an old mark is read once, when the job's state loads, and
 * mapped to the round, stage and phase of the condition it names.
 */
import type { StageCondition } from '@sedna/api';
import { stageRound, type StageJobStatus } from '@sedna/api/contracts';
import type { JobState, StageAction } from './state-store.js';

const STAGE_ACTIONS: readonly StageAction[] = ['train', 'eval', 'deploy', 'hotUpdate'];

const LEGACY_MARK = /^(\d+):(Train|Eval|Deploy)\/([A-Za-z]+)@(.*)$/;

/** Whether `mark` has the old (condition-count) form. */
export function isLegacyMark(mark: string): boolean {
  return LEGACY_MARK.test(mark);
}

/**
 * The stageMark of the condition an old mark names, found in the job's conditions by its stage, type and transition
 * time (nearest to the position the count gives, should two share them); undefined when the job no longer has it
 * (an old condition its bounded history dropped: no current action can match it, so forgetting it repeats nothing).
 */
export function mapLegacyMark(mark: string, status: StageJobStatus): string | undefined {
  const parsed = LEGACY_MARK.exec(mark);
  if (!parsed) return undefined;
  const [, count, stage, type, time] = parsed;
  const conditions = status.conditions ?? [];
  const candidates = conditions.flatMap((c, i) => (c.stage === stage && c.type === type && (c.lastTransitionTime ?? '') === time ? [i] : []));
  const position = Number(count) - 1;
  const index = candidates.sort((a, b) => Math.abs(a - position) - Math.abs(b - position))[0];
  if (index === undefined) return undefined;
  // The round at that condition: the current one less the rounds begun (Train/Ready) after it.
  const later = conditions.slice(index + 1).filter((c) => c.stage === 'Train' && c.type === 'Ready').length;
  const condition = conditions[index] as StageCondition;
  return `${stageRound(status) - later}:${condition.stage}/${condition.type}`;
}

/** The state with its old marks mapped (those that name no condition of the job dropped); `changed` when any was old. */
export function upgradeMarks(state: JobState, status: StageJobStatus): { state: JobState; changed: boolean } {
  let changed = false;
  const handled: JobState['handled'] = {};
  for (const action of STAGE_ACTIONS) {
    const mark = state.handled[action];
    if (mark === undefined) continue;
    if (!isLegacyMark(mark)) {
      handled[action] = mark;
      continue;
    }
    changed = true;
    const mapped = mapLegacyMark(mark, status);
    if (mapped !== undefined) handled[action] = mapped;
  }
  return { state: changed ? { ...state, handled } : state, changed };
}
