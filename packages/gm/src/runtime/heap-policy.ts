/**
 * The GM process's garbage collection policy. At thousands of status reports a second the GM's short-lived
 * objects (cached objects replaced at every report, request and frame buffers) are promoted faster than V8's default
 * policy collects the old generation: it let the old generation grow to about three times what was live before a
 * full collection (52 -> 191 MB with 75 MB live in the controlplane benchmark, peak RSS near 400 MB). Capping the
 * growth at 1.5 times keeps the peak near what is live, for a full collection every few seconds instead of every
 * ten or so (marking runs mostly beside the main thread).
 */
import { setFlagsFromString } from 'node:v8';

/** Growth of the old generation allowed between full collections, per cent of what was live after the last one. */
export const GM_HEAP_GROWING_PERCENT = 50;

/**
 * Applies the policy to this process (the GM's own process: it changes V8 for everything in it). The environment
 * variable SEDNA_GM_HEAP_GROWING_PERCENT overrides the percentage; 0 leaves V8's own policy. Returns what applies.
 */
export function limitHeapGrowth(env: NodeJS.ProcessEnv = process.env): number {
  const given = env['SEDNA_GM_HEAP_GROWING_PERCENT'];
  const percent = given === undefined || given === '' ? GM_HEAP_GROWING_PERCENT : Number(given);
  if (!Number.isInteger(percent) || percent < 0) throw new Error(`SEDNA_GM_HEAP_GROWING_PERCENT must be a whole number of per cent (0 for V8's default), got ${JSON.stringify(given)}`);
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}
