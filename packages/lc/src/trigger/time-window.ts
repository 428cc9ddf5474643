/**
 * The daily time window of a trigger (`timer: {start: "HH:MM", end: "HH:MM"}`), in the LC's local time.
 *
 * Both ends are inclusive at minute granularity, as in the original: with `end: "20:00"` the whole minute 20:00
 * is inside. A window whose start is after its end runs past midnight (`23:00`-`01:00` is inside at 23:30 and at
 * 00:30). `24:00` is accepted as an end meaning "until midnight" (the original's sample uses it).
 *
 * Fixed on purpose: the original compared the strings, so `"2:00"` sorted after `"10:00"` and a one-digit hour
 * gave a wrong window. Here both ends are parsed to minutes.
 */

export const MINUTES_PER_DAY = 24 * 60;

export class TriggerSpecError extends Error {
  override readonly name = 'TriggerSpecError';
  constructor(
    /** The field at fault, e.g. `spec.trainSpec.trigger.timer.start`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const TIME_OF_DAY = /^(\d{1,2}):(\d{2})$/;

/** Minutes since midnight of `HH:MM` (0..1440; 1440 only as `24:00`). */
export function parseTimeOfDay(text: string, field: string): number {
  const match = typeof text === 'string' ? TIME_OF_DAY.exec(text.trim()) : null;
  if (!match) throw new TriggerSpecError(field, `${JSON.stringify(text)} is not a time of day HH:MM`);
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) {
    throw new TriggerSpecError(field, `${JSON.stringify(text)} is not a time of day between 00:00 and 24:00`);
  }
  return hours * 60 + minutes;
}

export interface TimeWindow {
  /** Minutes since midnight. */
  readonly start: number;
  readonly end: number;
  /** As written, for messages. */
  readonly text: string;
}

export function parseTimeWindow(timer: { start: string; end: string }, field: string): TimeWindow {
  const start = parseTimeOfDay(timer.start, `${field}.start`);
  const end = parseTimeOfDay(timer.end, `${field}.end`);
  return { start, end, text: `${timer.start.trim()}-${timer.end.trim()}` };
}

/** Minutes since midnight of `now` in local time, seconds dropped (the original formatted "15:04"). */
export function minuteOfDay(now: Date): number {
  return now.getHours() * 60 + now.getMinutes();
}

export function isInWindow(window: TimeWindow, now: Date): boolean {
  const minute = minuteOfDay(now);
  if (window.start <= window.end) return window.start <= minute && minute <= window.end;
  return window.start <= minute || minute <= window.end;
}
