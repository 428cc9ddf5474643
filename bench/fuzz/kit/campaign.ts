/**
 * A seeded fuzz campaign over entry points: hostile requests (arbitraries.ts) sent raw (raw-http.ts), answers
 * tallied. A 5xx is a server error; a request without any answer is counted apart (closed or timed out: a refused
 * upgrade closes, a body the server stopped reading resets).
 */
import fc from 'fast-check';
import { hostileRequests, type FuzzEndpoint } from './arbitraries.js';
import { sendRaw } from './raw-http.js';

export interface CampaignOptions {
  seed: number;
  /** Requests per endpoint. */
  requestsPerEndpoint: number;
  /** Stop early after this long (the result says how many requests were sent). */
  timeLimitMs?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Called every 1,000 requests. */
  progress?: (sent: number) => void;
}

export interface EndpointTally {
  requests: number;
  serverErrors: number;
  noAnswer: number;
  statuses: Record<string, number>;
}

export interface CampaignResult {
  requests: number;
  serverErrors: number;
  byEndpoint: Record<string, EndpointTally>;
  /** The first server errors, each with the start of its request, to reproduce them. */
  samples: string[];
  /** 200 answers to POSTs on the LC's report endpoint: reports the LC acknowledged. */
  reportsAcknowledged: number;
}

const CHUNK = 100;

export async function runCampaign(endpoints: FuzzEndpoint[], options: CampaignOptions): Promise<CampaignResult> {
  const result: CampaignResult = { requests: 0, serverErrors: 0, byEndpoint: {}, samples: [], reportsAcknowledged: 0 };
  const deadline = Date.now() + (options.timeLimitMs ?? Infinity);
  const concurrency = options.concurrency ?? 8;
  for (const endpoint of endpoints) result.byEndpoint[endpoint.name] = { requests: 0, serverErrors: 0, noAnswer: 0, statuses: {} };
  // Endpoints interleaved chunk by chunk, so a time limit leaves every endpoint fuzzed.
  for (let offset = 0; offset < options.requestsPerEndpoint && Date.now() < deadline; offset += CHUNK) {
    for (const [index, endpoint] of endpoints.entries()) {
      const count = Math.min(CHUNK, options.requestsPerEndpoint - offset);
      const requests = fc.sample(hostileRequests(endpoint), { seed: options.seed + index * 1_000_003 + offset, numRuns: count });
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < requests.length) {
          const request = requests[next++]!;
          const answer = await sendRaw(endpoint, request);
          const tally = result.byEndpoint[endpoint.name]!;
          tally.requests++;
          result.requests++;
          if (result.requests % 1000 === 0) options.progress?.(result.requests);
          if (answer.status === undefined) {
            tally.noAnswer++;
            continue;
          }
          tally.statuses[answer.status] = (tally.statuses[answer.status] ?? 0) + 1;
          if (answer.status >= 500) {
            tally.serverErrors++;
            result.serverErrors++;
            if (result.samples.length < 10) result.samples.push(`${endpoint.name} ${answer.status}: ${JSON.stringify(request.subarray(0, 300).toString('latin1'))}`);
          }
          if (endpoint.name.endsWith('lc-report') && answer.status === 200 && request.subarray(0, 5).toString() === 'POST ') result.reportsAcknowledged++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    }
  }
  return result;
}
